import { useState } from 'react';
import { errorMessage } from '../api/client.js';
import { deployments, projects, queue } from '../api/endpoints.js';
import type { Deployment } from '../api/types.js';
import { canDeploy, isAdmin, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';
import { useLive } from '../hooks/useLive.js';
import { Link } from '../router/router.js';
import { CommitLabel, triggerText } from './deployment-bits.js';
import { Ago, Empty, ErrorBox, Loading, Status } from './ui.js';

/**
 * Running and queued deployments in order, per project, updated live. Anyone who may deploy
 * can cancel; admins can move queued deployments up, down or to the front.
 */
export function QueuePanel({ project }: { project?: string }) {
  const { user } = useSession();
  const data = useApi(() => (project ? projects.queue(project) : queue.all()), [project]);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  useLive(['queue', 'deployment'], () => data.reload(), 200);

  if (data.error) return <ErrorBox error={data.error} retry={data.reload} />;
  if (!data.data) return <Loading what="the queue" />;
  if (data.data.length === 0) return <Empty title="The queue is empty." >Deployments wait here while another one of the same project runs.</Empty>;

  const groups = new Map<string, Deployment[]>();
  for (const d of data.data) groups.set(d.projectName, [...(groups.get(d.projectName) ?? []), d]);

  const act = async (key: string, action: () => Promise<unknown>) => {
    setBusy(key);
    setActionError(null);
    try {
      await action();
    } catch (err) {
      setActionError(errorMessage(err));
    } finally {
      setBusy(null);
      data.reload();
    }
  };

  const move = (projectName: string, items: Deployment[], id: string, to: 'up' | 'down' | 'front') => {
    const ids = items.filter((d) => d.status === 'queued').map((d) => d.id);
    const at = ids.indexOf(id);
    ids.splice(at, 1);
    const target = to === 'front' ? 0 : to === 'up' ? Math.max(0, at - 1) : Math.min(ids.length, at + 1);
    ids.splice(target, 0, id);
    void act(`move-${id}`, () => projects.reorder(projectName, ids));
  };

  return (
    <div className="queue">
      {actionError && (
        <div className="state state-error" role="alert">
          {actionError}
        </div>
      )}
      {[...groups.entries()].map(([projectName, items]) => {
        const queued = items.filter((d) => d.status === 'queued');
        return (
          <section key={projectName} className="queue-group" data-project={projectName}>
            {!project && (
              <h3>
                <Link to={`/projects/${encodeURIComponent(projectName)}`}>{projectName}</Link>
              </h3>
            )}
            <ol className="queue-list">
              {items.map((d) => {
                const qi = queued.indexOf(d);
                return (
                  <li key={d.id} className="queue-item" data-deployment-id={d.id} data-status={d.status}>
                    <div className="queue-main">
                      <Status status={d.status} />
                      <Link to={`/deployments/${d.id}`} className="strong">
                        {d.environmentName}
                      </Link>
                      <CommitLabel commit={d.commit} branch={d.branch} />
                      <span className="muted small">
                        {triggerText(d)} · <Ago iso={d.createdAt} />
                      </span>
                    </div>
                    <div className="queue-actions">
                      {isAdmin(user) && d.status === 'queued' && queued.length > 1 && (
                        <>
                          <button type="button" className="btn btn-small" disabled={qi === 0 || busy !== null} onClick={() => move(projectName, items, d.id, 'front')} aria-label="Move to front">
                            ⤒
                          </button>
                          <button type="button" className="btn btn-small" disabled={qi === 0 || busy !== null} onClick={() => move(projectName, items, d.id, 'up')} aria-label="Move up">
                            ↑
                          </button>
                          <button
                            type="button"
                            className="btn btn-small"
                            disabled={qi === queued.length - 1 || busy !== null}
                            onClick={() => move(projectName, items, d.id, 'down')}
                            aria-label="Move down"
                          >
                            ↓
                          </button>
                        </>
                      )}
                      {canDeploy(user) && (
                        <button
                          type="button"
                          className="btn btn-small btn-danger-ghost"
                          disabled={busy !== null}
                          onClick={() => void act(`cancel-${d.id}`, () => deployments.cancel(d.id))}
                        >
                          {busy === `cancel-${d.id}` ? 'Cancelling…' : 'Cancel'}
                        </button>
                      )}
                    </div>
                  </li>
                );
              })}
            </ol>
          </section>
        );
      })}
    </div>
  );
}
