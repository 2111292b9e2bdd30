import { useState } from 'react';
import { errorMessage } from '../api/client.js';
import { environments, projects, servers } from '../api/endpoints.js';
import type { Environment, Project, Server } from '../api/types.js';
import { DeploymentTable, LiveReleaseLabel } from '../components/deployment-bits.js';
import { personName } from '../components/format.js';
import { QueuePanel } from '../components/QueuePanel.js';
import { Async } from '../components/Async.js';
import { Dialog } from '../components/Dialog.js';
import { Ago, Empty, ErrorBox, Field, Loading, PageHeader, Status } from '../components/ui.js';
import { canDeploy, canManage, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';
import { useLive } from '../hooks/useLive.js';
import { Link, withQuery } from '../router/router.js';
import { DeployDialog } from './DeployDialog.js';
import { RollbackDialog } from './RollbackDialog.js';

type Open = { kind: 'deploy' | 'rollback'; env: Environment } | null;

/** One project: its environments with Deploy buttons, its queue and its recent deployments. */
export function ProjectPage({ project }: { project: string }) {
  const data = useApi(() => projects.get(project), [project]);
  const serverList = useApi(() => servers.list(), []);
  const recent = useApi(() => projects.history(project, { limit: 10 }), [project]);
  const [open, setOpen] = useState<Open>(null);
  useLive(['deployment'], () => {
    data.reload();
    recent.reload();
  });
  useLive(['server'], () => serverList.reload());

  if (data.error) return <div className="page"><ErrorBox error={data.error} retry={data.reload} /></div>;
  if (!data.data) return <div className="page"><Loading what={project} /></div>;
  const p = data.data;

  return (
    <div className="page">
      <PageHeader
        title={p.name}
        sub={
          <>
            <span className="mono small">{p.repositoryUrl}</span> · <span className="tag">{p.preset}</span>
          </>
        }
        actions={
          <>
            <Link className="btn" to={withQuery('/deployments', { project: p.name })}>
              History
            </Link>
            <Link className="btn" to={`/projects/${encodeURIComponent(p.name)}/settings`}>
              Settings
            </Link>
          </>
        }
      />
      <section className="env-cards">
        {p.environments.length === 0 ? (
          <Empty title="No environments yet.">
            <Link to={`/projects/${encodeURIComponent(p.name)}/settings`}>Add one in settings</Link> (production, staging…).
          </Empty>
        ) : (
          p.environments.map((env) => (
            <EnvCard key={env.id} project={p} env={env} servers={serverList.data ?? []} onOpen={setOpen} onChanged={data.reload} />
          ))
        )}
      </section>
      <section className="card">
        <h2>Queue</h2>
        <QueuePanel project={p.name} />
      </section>
      <section className="card">
        <h2>
          Recent deployments{' '}
          <Link className="small" to={withQuery('/deployments', { project: p.name })}>
            all →
          </Link>
        </h2>
        <Async resource={recent} what="deployments" empty={{ title: 'Not deployed yet.', hint: 'Press Deploy on an environment above.' }} isEmpty={(x) => x.items.length === 0}>
          {(x) => <DeploymentTable items={x.items} showProject={false} />}
        </Async>
      </section>
      {open?.kind === 'deploy' && <DeployDialog project={p} env={open.env} servers={serverList.data ?? []} onClose={() => setOpen(null)} />}
      {open?.kind === 'rollback' && <RollbackDialog project={p.name} env={open.env} onClose={() => setOpen(null)} />}
    </div>
  );
}

function EnvCard({
  project,
  env,
  servers,
  onOpen,
  onChanged,
}: {
  project: Project;
  env: Environment;
  servers: Server[];
  onOpen: (open: Open) => void;
  onChanged: () => void;
}) {
  const { user } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [locking, setLocking] = useState(false);
  const [reason, setReason] = useState('');
  const setLock = async (lock: boolean) => {
    setError(null);
    setBusy(true);
    try {
      if (lock) await environments.lock(project.name, env.name, reason.trim());
      else await environments.unlock(project.name, env.name);
      setLocking(false);
      setReason('');
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const envServers = env.serverIds.map((id) => servers.find((s) => s.id === id));

  return (
    <article className="card env-card" data-environment={env.name}>
      <header className="env-card-head">
        <div>
          <h2>{env.name}</h2>
          <div className="muted small">
            branch <code>{env.branch}</code> · {env.strategy ?? 'automatic strategy'} · keeps {env.keepReleases} releases
          </div>
        </div>
        {canDeploy(user) && (
          <button type="button" className="btn btn-deploy" onClick={() => onOpen({ kind: 'deploy', env })}>
            Deploy
          </button>
        )}
      </header>
      <div className="env-live">
        <span className="muted small">Live:</span> <LiveReleaseLabel release={env.liveRelease} />
        {env.liveRelease && (
          <Link className="small" to={`/deployments/${env.liveRelease.deploymentId}`}>
            {' '}
            view
          </Link>
        )}
      </div>
      <div className="env-servers">
        {env.serverIds.length === 0 ? (
          <span className="muted small">No servers assigned.</span>
        ) : (
          envServers.map((s, i) => (
            <span key={env.serverIds[i]} className="server-chip">
              {s ? <Status status={s.status} /> : null} {s?.name ?? env.serverIds[i]}
            </span>
          ))
        )}
      </div>
      {env.lock && (
        <div className="state state-warn small">
          Locked by {personName(env.lock.by)} <Ago iso={env.lock.since} />
          {env.lock.reason ? `: ${env.lock.reason}` : ''}
        </div>
      )}
      {error && (
        <div className="state state-error" role="alert">
          {error}
        </div>
      )}
      <footer className="env-card-actions">
        {canDeploy(user) && (
          <button type="button" className="btn btn-small" onClick={() => onOpen({ kind: 'rollback', env })}>
            Roll back…
          </button>
        )}
        {canManage(user) && (
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => (env.lock ? void setLock(false) : setLocking(true))}>
            {env.lock ? 'Unlock' : 'Lock'}
          </button>
        )}
        {canManage(user) && (
          <Link className="btn btn-small" to={`/projects/${encodeURIComponent(project.name)}/environments/${encodeURIComponent(env.name)}`}>
            Settings
          </Link>
        )}
      </footer>
      {locking && (
        <Dialog title={`Lock ${env.name}`} onClose={() => setLocking(false)}>
          <form className="form" onSubmit={(e) => { e.preventDefault(); void setLock(true); }}>
            <Field label="Reason" hint="Shown to everyone; deployments need “Force” until someone unlocks.">
              <input required autoFocus value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Release freeze until Monday" />
            </Field>
            {error && <div className="state state-error" role="alert">{error}</div>}
            <footer className="dialog-footer">
              <button type="button" className="btn" onClick={() => setLocking(false)}>Cancel</button>
              <button type="submit" className="btn btn-primary" disabled={busy}>Lock</button>
            </footer>
          </form>
        </Dialog>
      )}
    </article>
  );
}
