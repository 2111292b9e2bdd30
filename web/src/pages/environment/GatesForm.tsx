import { useState } from 'react';
import { environments } from '../../api/endpoints.js';
import type { Environment } from '../../api/types.js';
import { Check, SettingsForm } from '../../components/forms.js';
import { Field } from '../../components/ui.js';
import { Link } from '../../router/router.js';

/** Who and what may start a deployment: approval rule and deploy-on-push. */
export function GatesForm({ project, env, readOnly, onSaved }: { project: string; env: Environment; readOnly: boolean; onSaved: () => void }) {
  const [required, setRequired] = useState(env.approval.required);
  const [approvers, setApprovers] = useState(String(env.approval.approvers));
  const [hours, setHours] = useState(String(Math.round((env.approval.expiresAfterSeconds / 3600) * 100) / 100));
  const [rollbacks, setRollbacks] = useState(env.approval.rollbacks);
  const [autoDeploy, setAutoDeploy] = useState(env.autoDeploy);
  const [onlyAfterSuccess, setOnlyAfterSuccess] = useState(env.requirePreviousSuccess);

  const save = async () => {
    await environments.update(project, env.name, {
      autoDeploy,
      requirePreviousSuccess: onlyAfterSuccess,
      approval: { required, approvers: Number(approvers), expiresAfterSeconds: Math.max(1, Math.round(Number(hours) * 3600)), rollbacks },
    });
    onSaved();
  };

  return (
    <SettingsForm title="Approvals and automatic deploys" save={save} label="Save approvals" readOnly={readOnly}>
      <Check checked={required} onChange={setRequired}>
        Deployments need approval <span className="muted small">(requests wait until approvers other than the requester agree)</span>
      </Check>
      <Check checked={rollbacks} onChange={setRollbacks} disabled={!required}>
        Rollbacks need approval too <span className="muted small">(off: a rollback restores a release approved once and runs at once; automatic rollbacks never wait)</span>
      </Check>
      <div className="form-row">
        <Field label="Approvals needed">
          <input type="number" min={1} max={10} required disabled={!required} value={approvers} onChange={(e) => setApprovers(e.target.value)} />
        </Field>
        <Field label="Expires after (hours)" hint="A request nobody approved by then is rejected.">
          <input type="number" min={0.01} max={720} step="any" required disabled={!required} value={hours} onChange={(e) => setHours(e.target.value)} />
        </Field>
      </div>
      <Check checked={autoDeploy} onChange={setAutoDeploy}>
        Deploy automatically when <code>{env.branch}</code> is pushed{' '}
        <span className="muted small">
          (needs the project’s <Link to={`/projects/${encodeURIComponent(project)}/settings#webhook`}>push webhook</Link>)
        </span>
      </Check>
      <Check checked={onlyAfterSuccess} onChange={setOnlyAfterSuccess}>
        Only if the previous deployment succeeded{' '}
        <span className="muted small">(while the last deployment failed, pushes and schedules are skipped and a manual deploy needs “Force”)</span>
      </Check>
      {env.requirePreviousSuccess && env.previousFailure && (
        <div className="state state-warn">
          Automatic deployments are held: the last deployment <Link to={`/deployments/${env.previousFailure.deploymentId}`}>{env.previousFailure.deploymentId}</Link>{' '}
          {env.previousFailure.status === 'timed_out' ? 'timed out' : 'failed'}
          {env.previousFailure.reason ? `: ${env.previousFailure.reason}` : ''}.
        </div>
      )}
    </SettingsForm>
  );
}
