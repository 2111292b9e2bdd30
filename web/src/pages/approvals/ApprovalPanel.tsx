import { approvals } from '../../api/features.js';
import type { ApprovalRequest } from '../../api/feature-types.js';
import { Async } from '../../components/Async.js';
import { dateTime } from '../../components/format.js';
import { Ago } from '../../components/ui.js';
import { useApi } from '../../hooks/useApi.js';
import { ApprovalActions } from './ApprovalActions.js';

/** Who approved so far, how many are needed, when it expires. */
export function ApprovalSummary({ request }: { request: ApprovalRequest }) {
  const got = request.approvals.length;
  return (
    <div className="small">
      <strong>
        {got} of {request.required} approval{request.required === 1 ? '' : 's'}
      </strong>
      {got > 0 && ` (${request.approvals.map((a) => a.email).join(', ')})`} · expires{' '}
      <span title={dateTime(request.expiresAt)}>
        <Ago iso={request.expiresAt} />
      </span>
    </div>
  );
}

/** The deployment page's "waiting for approval" card. */
export function ApprovalPanel({ deploymentId, onDecided }: { deploymentId: string; onDecided: () => void }) {
  const request = useApi(() => approvals.get(deploymentId), [deploymentId]);
  const done = () => {
    request.reload();
    onDecided();
  };
  return (
    <section className="card approval-card" aria-label="Approval" data-testid="approval-panel">
      <h2>Waiting for approval</h2>
      <Async resource={request} what="the approval">
        {(r) => (
          <>
            <ApprovalSummary request={r} />
            <ApprovalActions request={r} onDone={done} />
          </>
        )}
      </Async>
    </section>
  );
}
