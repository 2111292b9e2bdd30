import { useState } from 'react';
import { environments, projects } from '../api/endpoints.js';
import type { Deployment, Environment, Release } from '../api/types.js';
import { Async } from '../components/Async.js';
import { Dialog } from '../components/Dialog.js';
import { CommitLabel } from '../components/deployment-bits.js';
import { dateTime, firstLine, personName, shortSha, toMs } from '../components/format.js';
import { Check, DialogFooter, FormError, submitWith, useAction } from '../components/forms.js';
import { useApi } from '../hooks/useApi.js';
import { navigate } from '../router/router.js';

const STATUS_NOTE: Record<Release['status'], string | null> = {
  live: null,
  previous: null,
  bad: 'failed its health check',
  staged: 'never activated',
};

/**
 * Pick a release still on disk, see what will change, confirm. The rollback is its own
 * deployment, so the user lands on its page with the live log.
 */
export function RollbackDialog({ project, env, preselect, onClose }: { project: string; env: Environment; preselect?: string; onClose: () => void }) {
  const releases = useApi(() => environments.releases(project, env.name), [project, env.name]);
  const [picked, setPicked] = useState<string | null>(null);
  const [restoreVariables, setRestoreVariables] = useState(false);
  const [runDownMigration, setRunDownMigration] = useState(false);
  const action = useAction();

  const rows = releases.data ?? [];
  const restorable = rows.filter((r) => r.status === 'previous');
  // Until the user picks: the release asked for (a history row, a deployment's page) if it can be
  // restored, else the one live most recently before the current one, as `devflow rollback` without --to.
  const lastLive = restorable.reduce<Release | undefined>((best, r) => (!best || toMs(r.activatedAt ?? 0) > toMs(best.activatedAt ?? 0) ? r : best), undefined);
  const chosen = picked ?? restorable.find((r) => r.deploymentId === preselect)?.deploymentId ?? lastLive?.deploymentId ?? null;
  const selected = restorable.find((r) => r.deploymentId === chosen);
  const live = rows.find((r) => r.status === 'live');
  const liveSha = live?.commit?.sha ?? (typeof env.liveRelease?.commit === 'string' ? env.liveRelease.commit : (env.liveRelease?.commit?.sha ?? null));

  const rollback = async () => {
    if (!selected) return;
    const deployment = await environments.rollback(project, env.name, { toDeploymentId: selected.deploymentId, restoreVariables, runDownMigration });
    navigate(`/deployments/${deployment.id}`);
  };

  return (
    <Dialog title={`Roll back ${project} / ${env.name}`} onClose={onClose} wide>
      <form className="form" onSubmit={submitWith(action, rollback)}>
        <Async resource={releases} what="releases on disk" empty={{ title: 'No releases on disk.', hint: 'Deploy at least twice before you can roll back.' }}>
          {(list) => (
            <fieldset className="options">
              <legend>Releases still on the servers</legend>
              <ul className="release-pick">
                {list.map((r) => (
                  <li key={r.releaseId}>
                    <label className={`release-option${r.status === 'live' ? ' is-live' : ''}`} data-deployment-id={r.deploymentId} data-release-status={r.status}>
                      <input
                        type="radio"
                        name="release"
                        value={r.deploymentId}
                        checked={chosen === r.deploymentId}
                        disabled={r.status !== 'previous'}
                        onChange={() => setPicked(r.deploymentId)}
                      />
                      <CommitLabel commit={r.commit} branch={r.branch} />
                      <span className="muted small">
                        {dateTime(r.activatedAt ?? r.createdAt)}
                        {r.deployedBy ? ` · ${personName(r.deployedBy)}` : ''}
                      </span>
                      {r.status === 'live' ? <span className="tag tag-live">live</span> : STATUS_NOTE[r.status] && <span className="tag">{STATUS_NOTE[r.status]}</span>}
                      <span className="muted small" title={r.servers.map((s) => `${s.name}: ${s.status}`).join('\n')}>
                        on {r.servers.map((s) => s.name).join(', ')}
                      </span>
                      {!r.hasVariablesSnapshot && <span className="muted small">· no variables snapshot</span>}
                    </label>
                  </li>
                ))}
              </ul>
            </fieldset>
          )}
        </Async>

        <fieldset className="options">
          <legend>Also</legend>
          <Check checked={restoreVariables && selected?.hasVariablesSnapshot !== false} disabled={selected?.hasVariablesSnapshot === false} onChange={setRestoreVariables}>
            Restore that release’s environment variables snapshot
            {selected?.hasVariablesSnapshot === false && <span className="muted small"> (no snapshot kept for it)</span>}
          </Check>
          <Check checked={runDownMigration} onChange={setRunDownMigration}>
            Run the configured down-migration command
          </Check>
        </fieldset>

        {selected && (
          <div className="state state-warn change-summary" data-testid="rollback-summary">
            <strong>What will change on {env.name}:</strong>
            <div>
              code <code className="sha">{shortSha(liveSha)}</code> → <code className="sha">{shortSha(selected.commit?.sha)}</code>
              {selected.commit && <> “{firstLine(selected.commit.message)}”</>}
            </div>
            <div>variables: {restoreVariables && selected.hasVariablesSnapshot ? 'restored from the snapshot of that release' : 'kept as they are now'}</div>
            <div>database: {runDownMigration ? 'down-migration runs before the switch' : 'untouched'}</div>
          </div>
        )}
        <FormError error={action.error} />
        <DialogFooter onCancel={onClose} busy={action.busy} label="Roll back" busyLabel="Starting…" kind="btn-warn" disabled={!selected} />
      </form>
    </Dialog>
  );
}

/** The environment a deployment went to, as the rollback dialog needs it. */
export async function environmentOf(d: Deployment): Promise<Environment> {
  const project = await projects.get(d.projectName);
  const env = project.environments.find((e) => e.id === d.environmentId);
  if (!env) throw new Error(`Environment ${d.environmentName} no longer exists.`);
  return env;
}
