import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client.js';
import { environments, projects } from '../api/endpoints.js';
import type { Environment, Project, Server } from '../api/types.js';
import { Dialog } from '../components/Dialog.js';
import { dateTime, firstLine, shortSha } from '../components/format.js';
import { ErrorBox, Loading, Status } from '../components/ui.js';
import { canManage, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';
import { navigate } from '../router/router.js';

/**
 * The manual deploy: pick a branch (from the repository) or an exact commit, review the
 * branch's recent commits, choose options and target servers, then start it and watch.
 */
export function DeployDialog({
  project,
  env,
  servers,
  onClose,
}: {
  project: Project;
  env: Environment;
  servers: Server[];
  onClose: () => void;
}) {
  const [branch, setBranch] = useState(env.branch);
  const [commit, setCommit] = useState('');
  const [skipMigrations, setSkipMigrations] = useState(false);
  const [skipCache, setSkipCache] = useState(false);
  const [force, setForce] = useState(false);
  const [forceReason, setForceReason] = useState('');
  const { user } = useSession();
  // Overriding a deploy lock takes the role that may remove it (maintainer, admin) and a reason.
  const mayOverrideLock = canManage(user);
  const overridesLock = Boolean(env.lock) && force;
  const [targets, setTargets] = useState<string[]>(env.serverIds);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const branches = useApi(() => projects.branches(project.name), [project.name]);
  const commits = useApi(() => projects.commits(project.name, branch, 15), [project.name, branch]);
  const serverName = (id: string) => servers.find((s) => s.id === id)?.name ?? id;
  const branchOptions = branches.data ? [...new Set([env.branch, ...branches.data])] : [env.branch];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (targets.length === 0) {
      setError('Pick at least one server to deploy to.');
      return;
    }
    if (overridesLock && !forceReason.trim()) {
      setError('Say why you override the deploy lock (recorded in the audit log and the deployment log).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const all = targets.length === env.serverIds.length;
      const deployment = await environments.deploy(project.name, env.name, {
        branch,
        ...(commit.trim() ? { commit: commit.trim() } : {}),
        skipMigrations,
        skipCache,
        force,
        ...(force && forceReason.trim() ? { forceReason: forceReason.trim() } : {}),
        ...(all ? {} : { serverIds: targets }),
      });
      navigate(`/deployments/${deployment.id}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Deploy ${project.name} to ${env.name}`} onClose={onClose} wide>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <div className="form-row">
          <label className="field">
            <span className="field-label">Branch</span>
            <select
              value={branch}
              onChange={(e) => {
                setBranch(e.target.value);
                setCommit('');
              }}
              aria-label="Branch"
            >
              {branchOptions.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
            {branches.error ? <span className="field-hint error-text">Branches: {errorMessage(branches.error)}</span> : null}
          </label>
          <label className="field">
            <span className="field-label">Commit (optional)</span>
            <input
              value={commit}
              onChange={(e) => setCommit(e.target.value)}
              placeholder="latest on the branch"
              pattern="[0-9a-fA-F]{7,40}"
              title="7 to 40 hex characters"
              aria-label="Commit"
            />
          </label>
        </div>

        <div className="field">
          <span className="field-label">Recent commits on {branch}</span>
          {commits.error ? (
            <ErrorBox error={commits.error} retry={commits.reload} />
          ) : !commits.data ? (
            <Loading what="commits" />
          ) : commits.data.length === 0 ? (
            <div className="muted small">No commits found on this branch.</div>
          ) : (
            <ul className="commit-pick" role="listbox" aria-label="Recent commits">
              {commits.data.map((c, i) => {
                const selected = commit ? c.sha.startsWith(commit.toLowerCase()) : i === 0;
                return (
                  <li key={c.sha} role="option" aria-selected={selected}>
                    <button type="button" className={selected ? 'commit-option selected' : 'commit-option'} onClick={() => setCommit(i === 0 ? '' : c.sha)}>
                      <code className="sha">{shortSha(c.sha)}</code>
                      <span className="commit-msg">{firstLine(c.message)}</span>
                      <span className="muted small">
                        {c.author}
                        {c.date ? ` · ${dateTime(c.date)}` : ''}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </div>

        <fieldset className="options">
          <legend>Options</legend>
          <label className="check">
            <input type="checkbox" checked={skipMigrations} onChange={(e) => setSkipMigrations(e.target.checked)} /> Skip migrations
          </label>
          <label className="check">
            <input type="checkbox" checked={skipCache} onChange={(e) => setSkipCache(e.target.checked)} /> Skip cache clearing
          </label>
          <label className="check">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Force{' '}
            <span className="muted small">(ignore a failed previous deployment; over a lock a maintainer or admin forces with a reason; inside a freeze window an admin does)</span>
          </label>
        </fieldset>

        <fieldset className="options">
          <legend>Target servers</legend>
          {env.serverIds.length === 0 ? (
            <div className="state state-error">This environment has no servers. Add them in the environment settings first.</div>
          ) : (
            env.serverIds.map((id) => {
              const server = servers.find((s) => s.id === id);
              return (
                <label key={id} className="check">
                  <input
                    type="checkbox"
                    checked={targets.includes(id)}
                    onChange={(e) => setTargets(e.target.checked ? [...targets, id] : targets.filter((t) => t !== id))}
                  />{' '}
                  {serverName(id)} {server && <Status status={server.status} />}
                </label>
              );
            })
          )}
        </fieldset>

        {force && (
          <label className="field">
            <span className="field-label">Reason for forcing</span>
            <input aria-label="Reason for forcing" value={forceReason} required={overridesLock}
              placeholder={overridesLock ? 'Why you override the deploy lock; recorded in the audit log' : 'Needed by an admin inside a freeze window; recorded in the audit log'} onChange={(e) => setForceReason(e.target.value)} />
          </label>
        )}
        {env.requirePreviousSuccess && env.previousFailure && !force && (
          <div className="state state-warn" role="status">
            The previous deployment ({env.previousFailure.deploymentId}) {env.previousFailure.status === 'timed_out' ? 'timed out' : 'failed'}
            {env.previousFailure.reason ? `: ${env.previousFailure.reason}` : ''}. This environment deploys only after a successful one: tick “Force” to deploy anyway.
          </div>
        )}
        {env.lock && !force && (
          <div className="state state-warn">
            {env.name} is locked by {env.lock.by ?? 'a maintainer'}{env.lock.reason ? `: ${env.lock.reason}` : ''}.{' '}
            {mayOverrideLock ? 'Tick “Force” and give a reason to override the lock.' : `Only a maintainer or admin can override it: ask ${env.lock.by ?? 'them'} to unlock.`}
          </div>
        )}
        {overridesLock && !mayOverrideLock && (
          <div className="state state-error" role="alert">
            Overriding the deploy lock needs the maintainer or admin role (you are {user.role}).
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
          <button type="submit" className="btn btn-deploy" disabled={busy || env.serverIds.length === 0 || (overridesLock && !mayOverrideLock)}>
            {busy ? 'Starting…' : `Deploy ${commit.trim() ? shortSha(commit.trim()) : branch}`}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
