import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client.js';
import { environments, servers } from '../api/endpoints.js';
import type { Environment, PipelineOverrides, Server, Strategy } from '../api/types.js';
import { personName } from '../components/format.js';
import { PipelineEditor } from '../components/PipelineEditor.js';
import { Ago, ErrorBox, Field, Loading, PageHeader, Status } from '../components/ui.js';
import { canManage, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';
import { Link, navigate } from '../router/router.js';
import { VariablesEditor } from './VariablesEditor.js';

/** One environment's settings: branch, servers, strategy, pipeline overrides, variables, lock. */
export function EnvironmentSettingsPage({ project, env }: { project: string; env: string }) {
  const data = useApi(() => environments.get(project, env), [project, env]);
  const serverList = useApi(() => servers.list(), []);
  const { user } = useSession();
  if (data.error) return <div className="page"><ErrorBox error={data.error} retry={data.reload} /></div>;
  if (!data.data) return <div className="page"><Loading what="the environment" /></div>;
  const e = data.data;
  return (
    <div className="page">
      <PageHeader
        title={
          <>
            <Link to={`/projects/${encodeURIComponent(project)}`}>{project}</Link> / {e.name}
          </>
        }
        sub="Environment settings"
      />
      <GeneralForm key={e.id} project={project} env={e} servers={serverList.data ?? []} onSaved={data.reload} />
      <VariablesEditor key={e.id} project={project} env={e} canEdit={canManage(user)} onSaved={data.reload} />
      {canManage(user) && <LockSection project={project} env={e} onChanged={data.reload} />}
      {canManage(user) && <DeleteEnvironment project={project} env={e} />}
    </div>
  );
}

function GeneralForm({ project, env, servers, onSaved }: { project: string; env: Environment; servers: Server[]; onSaved: () => void }) {
  const { user } = useSession();
  const [branch, setBranch] = useState(env.branch);
  const [strategy, setStrategy] = useState<Strategy>(env.strategy);
  const [keepReleases, setKeepReleases] = useState(String(env.keepReleases));
  const [healthcheckPath, setHealthcheckPath] = useState(env.healthcheckPath ?? '/up');
  const [startCommand, setStartCommand] = useState(env.startCommand ?? '');
  const [autoRollback, setAutoRollback] = useState(env.autoRollback);
  const [port, setPort] = useState(env.port === null || env.port === undefined ? '' : String(env.port));
  const [serverIds, setServerIds] = useState(env.serverIds);
  const [pipeline, setPipeline] = useState<{ settings: PipelineOverrides } | { error: string }>({ settings: env.pipeline ?? {} });
  const [state, setState] = useState<{ busy?: boolean; error?: string; saved?: boolean }>({});
  const readOnly = !canManage(user);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if ('error' in pipeline) return setState({ error: pipeline.error });
    setState({ busy: true });
    try {
      await environments.update(project, env.name, {
        branch: branch.trim(),
        strategy,
        keepReleases: Number(keepReleases),
        healthcheckPath: healthcheckPath.trim() || '/up',
        startCommand: startCommand.trim() || null,
        autoRollback,
        port: port.trim() ? Number(port) : null,
        serverIds,
        pipeline: pipeline.settings,
      });
      setState({ saved: true });
      onSaved();
    } catch (err) {
      setState({ error: errorMessage(err) });
    }
  };

  return (
    <form className="card form" onSubmit={(event) => void submit(event)}>
      <h2>Deployment</h2>
      <fieldset disabled={readOnly} className="plain">
        <div className="form-row">
          <Field label="Branch">
            <input required value={branch} onChange={(e) => setBranch(e.target.value)} />
          </Field>
          <Field label="Strategy">
            <select value={strategy} onChange={(e) => setStrategy(e.target.value as Strategy)}>
              <option value="in-place">In place (symlink switch + reload)</option>
              <option value="blue-green">Blue-green (two slots, proxy switch)</option>
            </select>
          </Field>
        </div>
        <div className="form-row">
          <Field label="Keep releases" hint="Older releases are pruned; these are your rollback targets.">
            <input type="number" min={1} max={100} required value={keepReleases} onChange={(e) => setKeepReleases(e.target.value)} />
          </Field>
          <Field label="Public port" hint="Where the traffic proxy listens (blue-green).">
            <input type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} />
          </Field>
          <Field label="Health check path">
            <input value={healthcheckPath} placeholder="/up" onChange={(e) => setHealthcheckPath(e.target.value)} />
          </Field>
        </div>
        <Field label="Start command" hint="How the agent starts the app (PORT is set). Empty: the preset’s, e.g. npm start.">
          <input value={startCommand} onChange={(e) => setStartCommand(e.target.value)} spellCheck={false} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={autoRollback} onChange={(e) => setAutoRollback(e.target.checked)} /> Roll back automatically when the
          restart or health check fails after activation
        </label>
        <fieldset className="options">
          <legend>Servers</legend>
          {servers.length === 0 ? (
            <div className="muted small">
              No servers enrolled yet. <Link to="/servers">Add one</Link>.
            </div>
          ) : (
            servers.map((s) => (
              <label key={s.id} className="check">
                <input
                  type="checkbox"
                  checked={serverIds.includes(s.id)}
                  onChange={(e) => setServerIds(e.target.checked ? [...serverIds, s.id] : serverIds.filter((id) => id !== s.id))}
                />{' '}
                {s.name} <Status status={s.status} />
              </label>
            ))
          )}
        </fieldset>
        <h3>Pipeline overrides</h3>
        <PipelineEditor initial={env.pipeline ?? {}} inheritFrom="the project" onChange={setPipeline} />
      </fieldset>
      {'error' in pipeline && <div className="state state-error">{pipeline.error}</div>}
      {state.error && (
        <div className="state state-error" role="alert">
          {state.error}
        </div>
      )}
      {!readOnly && (
        <footer className="form-footer">
          {state.saved && <span className="ok-text">Saved.</span>}
          <button type="submit" className="btn btn-primary" disabled={state.busy}>
            {state.busy ? 'Saving…' : 'Save environment'}
          </button>
        </footer>
      )}
    </form>
  );
}

function LockSection({ project, env, onChanged }: { project: string; env: Environment; onChanged: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const act = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      setReason('');
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section className="card">
      <h2>Deploy lock</h2>
      {env.lock ? (
        <div className="inline-form">
          <span>
            Locked by {personName(env.lock.by)} <Ago iso={env.lock.since} />
            {env.lock.reason ? `: ${env.lock.reason}` : ''}
          </span>
          <button type="button" className="btn" onClick={() => void act(() => environments.unlock(project, env.name))}>
            Unlock
          </button>
        </div>
      ) : (
        <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void act(() => environments.lock(project, env.name, reason.trim())); }}>
          <input aria-label="Lock reason" required placeholder="Why? e.g. release freeze until Monday" value={reason} onChange={(e) => setReason(e.target.value)} />
          <button type="submit" className="btn">
            Lock deployments
          </button>
        </form>
      )}
      {error && (
        <div className="state state-error" role="alert">
          {error}
        </div>
      )}
    </section>
  );
}

function DeleteEnvironment({ project, env }: { project: string; env: Environment }) {
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    if (!window.confirm(`Delete the environment ${env.name} of ${project}? Its history goes with it.`)) return;
    try {
      await environments.remove(project, env.name);
      navigate(`/projects/${encodeURIComponent(project)}/settings`);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section className="card danger">
      <h2>Delete environment</h2>
      <button type="button" className="btn btn-danger" onClick={() => void remove()}>
        Delete {env.name}
      </button>
      {error && (
        <div className="state state-error" role="alert">
          {error}
        </div>
      )}
    </section>
  );
}
