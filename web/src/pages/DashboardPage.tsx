import { deployments, projects, queue, servers } from '../api/endpoints.js';
import { approvals } from '../api/features.js';
import { Async } from '../components/Async.js';
import { DeploymentTable, LiveReleaseLabel } from '../components/deployment-bits.js';
import { Ago, Empty, ErrorBox, Loading, PageHeader, Status } from '../components/ui.js';
import { useApi } from '../hooks/useApi.js';
import { useLive } from '../hooks/useLive.js';
import { Link } from '../router/router.js';

/** What is live where, what is moving now, and which servers answer. */
export function DashboardPage() {
  const projectList = useApi(() => projects.list(), []);
  const active = useApi(() => queue.all(), []);
  const serverList = useApi(() => servers.list(), []);
  const recent = useApi(() => deployments.history({ limit: 8 }), []);
  const pending = useApi(() => approvals.pending(), []);

  useLive(['deployment', 'queue'], () => {
    active.reload();
    recent.reload();
    projectList.reload();
    pending.reload();
  });
  useLive(['server'], () => serverList.reload());

  const online = serverList.data?.filter((s) => s.status === 'online').length ?? 0;
  const total = serverList.data?.length ?? 0;

  return (
    <div className="page">
      <PageHeader title="Dashboard" sub="Live releases, deployments in progress and server health." />
      {pending.data && pending.data.length > 0 && (
        <section className="card" aria-label="Waiting for approval">
          <h2>
            Waiting for approval <Link to="/approvals" className="small">approve or reject →</Link>
          </h2>
          <DeploymentTable items={pending.data.map((r) => r.deployment)} />
        </section>
      )}
      <div className="grid-2">
        <section className="card">
          <h2>Running and queued</h2>
          <Async resource={active} what="the queue" empty={{ title: 'Nothing is deploying right now.' }}>
            {(items) => <DeploymentTable items={items} />}
          </Async>
        </section>
        <section className="card">
          <h2>
            Servers{' '}
            {serverList.data && (
              <span className="muted small">
                {online} of {total} online
              </span>
            )}
          </h2>
          {serverList.error ? (
            <ErrorBox error={serverList.error} retry={serverList.reload} />
          ) : !serverList.data ? (
            <Loading what="servers" />
          ) : serverList.data.length === 0 ? (
            <Empty title="No servers yet.">
              <Link to="/servers">Add a server</Link> and run the install line on it.
            </Empty>
          ) : (
            <ul className="server-mini">
              {serverList.data.map((s) => (
                <li key={s.id}>
                  <Status status={s.status} /> <strong>{s.name}</strong>{' '}
                  <span className="muted small">
                    seen <Ago iso={s.lastSeenAt} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <section className="card">
        <h2>Projects</h2>
        {projectList.error ? (
          <ErrorBox error={projectList.error} retry={projectList.reload} />
        ) : !projectList.data ? (
          <Loading what="projects" />
        ) : projectList.data.length === 0 ? (
          <Empty title="No projects yet.">
            <Link to="/projects">Create your first project</Link> from a git repository.
          </Empty>
        ) : (
          <div className="project-grid">
            {projectList.data.map((p) => (
              <article key={p.id} className="project-card">
                <header>
                  <Link to={`/projects/${encodeURIComponent(p.name)}`} className="project-name">
                    {p.name}
                  </Link>
                  <span className="tag">{p.preset}</span>
                </header>
                {p.environments.length === 0 ? (
                  <p className="muted small">No environments yet.</p>
                ) : (
                  <ul className="env-list">
                    {p.environments.map((env) => (
                      <li key={env.id}>
                        <span className="env-name">{env.name}</span>
                        {env.lock && <span className="tag tag-lock" title={env.lock.reason ?? ''}>locked</span>}
                        <LiveReleaseLabel release={env.liveRelease} />
                      </li>
                    ))}
                  </ul>
                )}
              </article>
            ))}
          </div>
        )}
      </section>

      <section className="card">
        <h2>
          Recent deployments <Link to="/deployments" className="small">all history →</Link>
        </h2>
        <Async resource={recent} what="deployments" empty={{ title: 'No deployments yet.' }} isEmpty={(p) => p.items.length === 0}>
          {(p) => <DeploymentTable items={p.items} />}
        </Async>
      </section>
    </div>
  );
}
