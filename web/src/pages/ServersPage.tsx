import { useState } from 'react';
import { errorMessage } from '../api/client.js';
import { servers } from '../api/endpoints.js';
import type { AddedServer, Server } from '../api/types.js';
import { bytes, labelList } from '../components/format.js';
import { Ago, Empty, ErrorBox, Loading, PageHeader, Status } from '../components/ui.js';
import { isAdmin, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';
import { useLive } from '../hooks/useLive.js';
import { AddServerDialog, EditServerDialog, InstallLine } from './server-dialogs.js';

/** Enrolled agents, live: add one to get its install line, see status and host facts. */
export function ServersPage() {
  const { user } = useSession();
  const list = useApi(() => servers.list(), []);
  const [adding, setAdding] = useState(false);
  const [install, setInstall] = useState<{ name: string; added: AddedServer } | null>(null);
  const [editing, setEditing] = useState<Server | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  useLive(['server'], () => list.reload(), 150);

  const act = async (action: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await action();
    } catch (err) {
      setActionError(errorMessage(err));
    } finally {
      list.reload();
    }
  };
  const newToken = (s: Server) =>
    act(async () => {
      const added = await servers.newToken(s.id);
      setInstall({ name: s.name, added: { ...added, id: s.id } });
    });
  const remove = (s: Server) => {
    if (!window.confirm(`Remove ${s.name}? Its agent will be disconnected and can no longer receive deployments.`)) return;
    void act(() => servers.remove(s.id));
  };

  return (
    <div className="page">
      <PageHeader
        title="Servers"
        sub="Each server runs devflow-agent, which connects out to this control plane. No inbound SSH."
        actions={
          isAdmin(user) && (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              Add server
            </button>
          )
        }
      />
      {install && <InstallLine name={install.name} added={install.added} onDone={() => setInstall(null)} />}
      {actionError && (
        <div className="state state-error" role="alert">
          {actionError}
        </div>
      )}
      {list.error ? (
        <ErrorBox error={list.error} retry={list.reload} />
      ) : !list.data ? (
        <Loading what="servers" />
      ) : list.data.length === 0 ? (
        <Empty title="No servers yet.">Add a server, then run the install line it shows on that machine.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table servers-table">
            <thead>
              <tr>
                <th>Server</th>
                <th>Status</th>
                <th className="hide-narrow">Last seen</th>
                <th className="hide-narrow">Agent</th>
                <th className="hide-narrow">Host</th>
                {isAdmin(user) && <th aria-label="Actions" />}
              </tr>
            </thead>
            <tbody>
              {list.data.map((s) => (
                <tr key={s.id} data-server={s.name} data-status={s.status}>
                  <td>
                    <strong>{s.name}</strong>
                    <div>
                      {labelList(s.labels).map((l) => (
                        <span key={l} className="tag">
                          {l}
                        </span>
                      ))}
                    </div>
                  </td>
                  <td>
                    {isEnrolled(s) ? <Status status={s.status} /> : <Status status="pending" />}
                  </td>
                  <td className="hide-narrow">
                    <Ago iso={s.lastSeenAt} />
                  </td>
                  <td className="hide-narrow mono small">{s.agentVersion ?? '—'}</td>
                  <td className="hide-narrow small">
                    <HostFacts server={s} />
                  </td>
                  {isAdmin(user) && (
                    <td className="cell-actions">
                      <button type="button" className="btn btn-small" onClick={() => void newToken(s)}>
                        {isEnrolled(s) ? 'Re-enrol' : 'Install line'}
                      </button>
                      <button type="button" className="btn btn-small" onClick={() => setEditing(s)}>
                        Edit
                      </button>
                      <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => remove(s)}>
                        Remove
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && (
        <EditServerDialog
          server={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            list.reload();
          }}
        />
      )}
      {adding && (
        <AddServerDialog
          onClose={() => setAdding(false)}
          onAdded={(name, added) => {
            setAdding(false);
            setInstall({ name, added });
            list.reload();
          }}
        />
      )}
    </div>
  );
}

/** Older answers have no `enrolled`; a server that was ever seen has enrolled. */
function isEnrolled(s: Server): boolean {
  return s.enrolled ?? (s.lastSeenAt !== null || s.status === 'online');
}

function HostFacts({ server }: { server: Server }) {
  const h = server.host;
  if (!h) return <span className="muted">{isEnrolled(server) ? '—' : 'waiting for the agent to enrol'}</span>;
  return (
    <div className="host-facts">
      <div>
        {h.hostname ?? '?'} · {h.os ?? '?'} {h.arch ?? ''}
      </div>
      <div className="muted">
        {h.cpus ?? '?'} CPU · {bytes(h.memoryBytes)} RAM · {bytes(h.diskFreeBytes)} free
      </div>
    </div>
  );
}
