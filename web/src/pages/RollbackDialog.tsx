import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client.js';
import { environments } from '../api/endpoints.js';
import type { Environment, Release } from '../api/types.js';
import { Dialog } from '../components/Dialog.js';
import { CommitLabel } from '../components/deployment-bits.js';
import { dateTime, shortSha } from '../components/format.js';
import { Empty, ErrorBox, Loading } from '../components/ui.js';
import { useApi } from '../hooks/useApi.js';
import { navigate } from '../router/router.js';

function releaseCommitSha(r: Release | undefined): string | null {
  return r?.commit?.sha ?? null;
}

/**
 * Pick a release still on disk, see what will change, confirm. The rollback is its own
 * deployment, so the user lands on its page with the live log.
 */
export function RollbackDialog({
  project,
  env,
  preselect,
  onClose,
}: {
  project: string;
  env: Environment;
  preselect?: string;
  onClose: () => void;
}) {
  const releases = useApi(() => environments.releases(project, env.name), [project, env.name]);
  const [chosen, setChosen] = useState<string | null>(preselect ?? null);
  const [restoreVariables, setRestoreVariables] = useState(false);
  const [runDownMigration, setRunDownMigration] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const candidates = releases.data ?? [];
  const liveId = env.liveRelease?.deploymentId ?? candidates.find((r) => r.live)?.deploymentId ?? null;
  const selected = candidates.find((r) => r.deploymentId === chosen);
  const live = candidates.find((r) => r.deploymentId === liveId);
  const liveSha = releaseCommitSha(live) ?? (typeof env.liveRelease?.commit === 'string' ? env.liveRelease.commit : env.liveRelease?.commit?.sha ?? null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!selected) return;
    setBusy(true);
    setError(null);
    try {
      const deployment = await environments.rollback(project, env.name, {
        toDeploymentId: selected.deploymentId,
        restoreVariables,
        runDownMigration,
      });
      navigate(`/deployments/${deployment.id}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Roll back ${project} / ${env.name}`} onClose={onClose} wide>
      <form className="form" onSubmit={(event) => void submit(event)}>
        {releases.error ? (
          <ErrorBox error={releases.error} retry={releases.reload} />
        ) : !releases.data ? (
          <Loading what="releases on disk" />
        ) : candidates.length === 0 ? (
          <Empty title="No releases on disk.">Deploy at least twice before you can roll back.</Empty>
        ) : (
          <fieldset className="options">
            <legend>Releases still on the servers</legend>
            <ul className="release-pick">
              {candidates.map((r) => {
                const isLive = r.deploymentId === liveId || r.live === true;
                const unusable = isLive || r.status === 'bad' || r.status === 'staged';
                return (
                  <li key={r.deploymentId}>
                    <label className={`release-option${isLive ? ' is-live' : ''}`} data-deployment-id={r.deploymentId}>
                      <input
                        type="radio"
                        name="release"
                        value={r.deploymentId}
                        checked={chosen === r.deploymentId}
                        disabled={unusable}
                        onChange={() => setChosen(r.deploymentId)}
                      />
                      <CommitLabel commit={r.commit} branch={r.branch ?? null} />
                      <span className="muted small">{dateTime(r.createdAt ?? r.at)}</span>
                      {isLive ? <span className="tag tag-live">live</span> : r.status && r.status !== 'previous' && <span className="tag">{r.status}</span>}
                      {r.serverIds && r.serverIds.length > 0 && <span className="muted small">on {r.serverIds.length} server{r.serverIds.length === 1 ? '' : 's'}</span>}
                    </label>
                  </li>
                );
              })}
            </ul>
          </fieldset>
        )}

        <fieldset className="options">
          <legend>Also</legend>
          <label className="check">
            <input
              type="checkbox"
              checked={restoreVariables}
              disabled={selected?.hasVariablesSnapshot === false}
              onChange={(e) => setRestoreVariables(e.target.checked)}
            />{' '}
            Restore that release’s environment variables snapshot
            {selected?.hasVariablesSnapshot === false && <span className="muted small"> (no snapshot kept for it)</span>}
          </label>
          <label className="check">
            <input type="checkbox" checked={runDownMigration} onChange={(e) => setRunDownMigration(e.target.checked)} /> Run the
            configured down-migration command
          </label>
        </fieldset>

        {selected && (
          <div className="state state-warn change-summary" data-testid="rollback-summary">
            <strong>What will change on {env.name}:</strong>
            <div>
              code <code className="sha">{shortSha(liveSha)}</code> → <code className="sha">{shortSha(releaseCommitSha(selected))}</code>
              {selected.commit && <> “{selected.commit.message.split('\n')[0]}”</>}
            </div>
            <div>variables: {restoreVariables ? 'restored from the snapshot of that release' : 'kept as they are now'}</div>
            <div>database: {runDownMigration ? 'down-migration runs before the switch' : 'untouched'}</div>
          </div>
        )}
        {error && (
          <div className="state state-error" role="alert">
            {error}
          </div>
        )}
        <footer className="dialog-footer">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-warn" disabled={!selected || busy}>
            {busy ? 'Starting…' : 'Roll back'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
