import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client.js';
import { servers } from '../api/endpoints.js';
import type { AddedServer, Server } from '../api/types.js';
import { CopyButton } from '../components/CopyButton.js';
import { Dialog } from '../components/Dialog.js';
import { bytes, labelList, parseLabels } from '../components/format.js';
import { Ago, Empty, ErrorBox, Field, Loading, PageHeader, Status } from '../components/ui.js';
import { canManage, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';
import { useLive } from '../hooks/useLive.js';

/** Enrolled agents, live: add one to get its install line, see status and host facts. */
export function ServersPage() {
  const { user } = useSession();
  const list = useApi(() => servers.list(), []);
  const [adding, setAdding] = useState(false);
  const [install, setInstall] = useState<{ name: string; added: AddedServer } | null>(null);
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
          canManage(user) && (
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
                {canManage(user) && <th aria-label="Actions" />}
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
                  {canManage(user) && (
                    <td className="cell-actions">
                      <button type="button" className="btn btn-small" onClick={() => void newToken(s)}>
                        {isEnrolled(s) ? 'Re-enrol' : 'Install line'}
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

function InstallLine({ name, added, onDone }: { name: string; added: AddedServer; onDone: () => void }) {
  return (
    <section className="card install" aria-label="Install command" data-testid="install-line">
      <h2>Install the agent on {name}</h2>
      <p className="muted small">
        Run this on the server as root. The enrolment token inside works once and expires in one hour; this page turns the server
        online as soon as the agent connects.
      </p>
      <div className="install-cmd">
        <pre>
          <code>{added.installCommand}</code>
        </pre>
        <CopyButton text={added.installCommand} />
      </div>
      <button type="button" className="btn btn-small btn-ghost" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function AddServerDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (name: string, added: AddedServer) => void }) {
  const [name, setName] = useState('');
  const [labels, setLabels] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onAdded(name.trim(), await servers.add(name.trim(), parseLabels(labels)));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Add a server" onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <Field label="Name" hint="How this server shows up in DevFlow, e.g. web-1.">
          <input required value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </Field>
        <Field label="Labels" hint="Optional, comma separated: web, region=eu.">
          <input value={labels} onChange={(e) => setLabels(e.target.value)} />
        </Field>
        {error && (
          <div className="state state-error" role="alert">
            {error}
          </div>
        )}
        <footer className="dialog-footer">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add and show install line'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
