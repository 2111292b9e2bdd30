import { useState } from 'react';
import { environments, projects } from '../api/endpoints.js';
import type { Deployment, Environment, Release } from '../api/types.js';
import { Async } from '../components/Async.js';
import { Dialog } from '../components/Dialog.js';
import { CommitLabel } from '../components/deployment-bits.js';
import { dateTime, firstLine, personName, shortSha, toMs } from '../components/format.js';
import { Check, DialogFooter, FormError, submitWith, useAction } from '../components/forms.js';
import { useApi } from '../hooks/useApi.js';
import { REFUSAL_LABEL } from './rollback-targets.js';
import { navigate } from '../router/router.js';

/** Releases that went live (or a maintainer marked) are the rollback list; failed and never-activated ones wait behind "show failed". */
const wentLive = (r: Release) => r.status === 'live' || r.status === 'previous' || r.marked;

/**
 * Pick a release still on disk, see what will change, confirm. Only releases the rollback rule
 * accepts can be picked (the server's verdict on each row), and a release asked for by a history
 * row or a deployment page is preselected exactly, or nothing is: never another one in its place.
 * The rollback is its own deployment, so the user lands on its page with the live log.
 */
export function RollbackDialog({ project, env, release, onClose }: { project: string; env: Environment; release?: string; onClose: () => void }) {
  const releases = useApi(() => environments.releases(project, env.name), [project, env.name]);
  const [picked, setPicked] = useState<string | null>(null);
  const [showFailed, setShowFailed] = useState(false);
  const [restoreVariables, setRestoreVariables] = useState(false);
  const [runDownMigration, setRunDownMigration] = useState(false);
  const action = useAction();

  const rows = releases.data ?? [];
  const restorable = rows.filter((r) => r.rollback.allowed);
  const asked = release === undefined ? undefined : rows.find((r) => r.releaseId === release);
  // Without a release asked for: the one live most recently before the current one, as `devflow rollback` without --to.
  const lastLive = restorable
    .filter((r) => r.status === 'previous')
    .reduce<Release | undefined>((best, r) => (!best || toMs(r.activatedAt ?? 0) > toMs(best.activatedAt ?? 0) ? r : best), undefined);
  const fallback = release === undefined ? lastLive : asked?.rollback.allowed ? asked : undefined;
  const chosen = picked ?? fallback?.releaseId ?? null;
  const selected = restorable.find((r) => r.releaseId === chosen);
  const live = rows.find((r) => r.status === 'live');
  const liveSha = live?.commit?.sha ?? (typeof env.liveRelease?.commit === 'string' ? env.liveRelease.commit : (env.liveRelease?.commit?.sha ?? null));
  const failed = rows.filter((r) => !wentLive(r));
  const failedOpen = showFailed || (asked !== undefined && !wentLive(asked));

  const rollback = async () => {
    if (!selected) return;
    const deployment = await environments.rollback(project, env.name, { toDeploymentId: selected.deploymentId, restoreVariables, runDownMigration });
    navigate(`/deployments/${deployment.id}`);
  };

  const option = (r: Release) => (
    <li key={r.releaseId}>
      <label
        className={`release-option${r.status === 'live' ? ' is-live' : ''}${r.rollback.allowed ? '' : ' is-refused'}`}
        data-deployment-id={r.deploymentId}
        data-release-id={r.releaseId}
        data-release-status={r.status}
        title={r.rollback.allowed ? undefined : r.rollback.message}
      >
        <input type="radio" name="release" value={r.releaseId} checked={chosen === r.releaseId} disabled={!r.rollback.allowed} onChange={() => setPicked(r.releaseId)} />
        <CommitLabel commit={r.commit} branch={r.branch} />
        <span className="muted small">
          {dateTime(r.activatedAt ?? r.createdAt)}
          {r.deployedBy ? ` · ${personName(r.deployedBy)}` : ''}
        </span>
        {r.status === 'live' && <span className="tag tag-live">live</span>}
        {r.marked && <span className="tag">marked as a rollback target</span>}
        {!r.rollback.allowed && <span className="tag" data-testid="refusal">{REFUSAL_LABEL[r.rollback.reason]}</span>}
        <span className="muted small" title={r.servers.map((s) => `${s.name}: ${s.status}`).join('\n')}>
          on {r.servers.map((s) => s.name).join(', ')}
        </span>
        {!r.hasVariablesSnapshot && <span className="muted small">· no variables snapshot</span>}
      </label>
    </li>
  );

  return (
    <Dialog title={`Roll back ${project} / ${env.name}`} onClose={onClose} wide>
      <form className="form" onSubmit={submitWith(action, rollback)}>
        {releases.data && release !== undefined && !asked?.rollback.allowed && (
          <div className="state state-warn" role="status" data-testid="rollback-refusal">
            {asked && !asked.rollback.allowed
              ? `This release cannot be rolled back to: ${asked.rollback.message}.`
              : 'This release is not on the servers any more (removed by cleanup); deploy its commit again instead.'}{' '}
            {restorable.length > 0 ? 'Pick another release below if you want one.' : ''}
          </div>
        )}
        <Async resource={releases} what="releases on disk" empty={{ title: 'No releases on disk.', hint: 'Deploy at least twice before you can roll back.' }}>
          {(list) => (
            <fieldset className="options">
              <legend>Releases that went live, still on the servers</legend>
              <ul className="release-pick">{list.filter(wentLive).map(option)}</ul>
              {failed.length > 0 && (
                <>
                  <button type="button" className="btn btn-small btn-ghost" aria-expanded={failedOpen} onClick={() => setShowFailed(!failedOpen)}>
                    {failedOpen ? 'Hide failed' : `Show failed (${failed.length})`}
                  </button>
                  {failedOpen && <ul className="release-pick release-pick-failed" aria-label="Failed and never-activated releases">{failed.map(option)}</ul>}
                </>
              )}
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
            <div data-testid="rollback-variables">variables: {restoreVariables && selected.hasVariablesSnapshot ? 'restored from the snapshot of that release' : 'the environment’s current ones (a blue-green slot still running that release is restarted with them if they changed since)'}</div>
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
