import { useState } from 'react';
import { approvals } from '../../api/features.js';
import type { ApprovalRequest } from '../../api/feature-types.js';
import { FormError, submitWith, useAction } from '../../components/forms.js';
import { canApprove, useSession } from '../../hooks/session.js';

/**
 * Approve / Reject (with a reason) for one pending request, or why this user cannot: the
 * requester never approves their own deployment, nobody approves twice, viewers and deployers
 * do not approve at all.
 */
export function ApprovalActions({ request, onDone }: { request: ApprovalRequest; onDone: () => void }) {
  const { user } = useSession();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction();
  const d = request.deployment;
  const id = d.id;

  if (!canApprove(user)) return <p className="muted small">Approvers, maintainers and admins decide on this request.</p>;
  if (d.userId === user.id || d.triggeredBy?.id === user.id) {
    return <p className="muted small">You requested this deployment, so another approver must approve it. You can still cancel it.</p>;
  }
  const mine = request.approvals.some((a) => a.userId === user.id);

  return (
    <div className="approval-actions">
      {rejecting ? (
        <form className="inline-form" onSubmit={submitWith(action, () => approvals.reject(id, reason.trim()), onDone)}>
          <input aria-label="Reason for rejecting" autoFocus placeholder="Why not? (optional, shown to the requester)" value={reason} onChange={(e) => setReason(e.target.value)} />
          <button type="submit" className="btn btn-danger" disabled={action.busy}>
            Reject
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => setRejecting(false)}>
            Back
          </button>
        </form>
      ) : (
        <div className="inline-form">
          <button type="button" className="btn btn-primary" disabled={action.busy || mine} onClick={() => void action.run(() => approvals.approve(id)).then((ok) => ok && onDone())}>
            Approve
          </button>
          <button type="button" className="btn btn-danger-ghost" disabled={action.busy} onClick={() => setRejecting(true)}>
            Reject…
          </button>
          {mine && <span className="muted small">You approved; it needs another approver.</span>}
        </div>
      )}
      <FormError error={action.error} />
    </div>
  );
}
