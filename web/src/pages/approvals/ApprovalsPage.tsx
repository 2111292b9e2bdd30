import { approvals } from '../../api/features.js';
import { Async } from '../../components/Async.js';
import { CommitLabel } from '../../components/deployment-bits.js';
import { PageHeader } from '../../components/ui.js';
import { useApi } from '../../hooks/useApi.js';
import { useLive } from '../../hooks/useLive.js';
import { Link } from '../../router/router.js';
import { ApprovalActions } from './ApprovalActions.js';
import { ApprovalSummary } from './ApprovalPanel.js';

/** Every deployment waiting for approval, oldest first, with Approve / Reject in place. */
export function ApprovalsPage() {
  const list = useApi(() => approvals.pending(), []);
  useLive(['deployment'], () => list.reload());
  return (
    <div className="page">
      <PageHeader title="Approvals" sub="Deployments to environments that need approval wait here until approvers agree." />
      <Async resource={list} what="approvals" empty={{ title: 'Nothing is waiting for approval.', hint: 'Turn approvals on per environment in its settings.' }}>
        {(items) => (
          <ul className="approval-list">
            {items.map((r) => (
              <li key={r.deployment.id} className="card" data-deployment-id={r.deployment.id}>
                <div className="row-between">
                  <div>
                    <Link to={`/deployments/${r.deployment.id}`} className="strong">
                      {r.project} → {r.environment}
                    </Link>{' '}
                    <CommitLabel commit={r.deployment.commit} branch={r.deployment.branch} />
                    <div className="muted small">requested by {r.deployment.triggeredBy?.email ?? r.deployment.trigger}</div>
                  </div>
                  <ApprovalSummary request={r} />
                </div>
                <ApprovalActions request={r} onDone={list.reload} />
              </li>
            ))}
          </ul>
        )}
      </Async>
    </div>
  );
}
