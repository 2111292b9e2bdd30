import { useState } from 'react';
import { api } from '../../api/client.js';
import { Ago, Empty, ErrorBox, Loading } from '../../components/ui.js';
import { useApi } from '../../hooks/useApi.js';

interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
}

const query = (filter: { action: string; actor: string }) => {
  const q = new URLSearchParams();
  if (filter.action.trim()) q.set('action', filter.action.trim());
  if (filter.actor.trim()) q.set('actor', filter.actor.trim());
  return q.toString();
};

/** The audit log for admins: the latest 100 entries with filters, and the whole log as JSON lines. */
export function AuditLogSection() {
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [applied, setApplied] = useState({ action: '', actor: '' });
  const qs = query(applied);
  const entries = useApi(() => api.get<{ entries: AuditEntry[] }>(`/api/audit?limit=100${qs ? `&${qs}` : ''}`).then((d) => d.entries), [qs]);
  return (
    <section className="card" data-section="audit">
      <h2>Audit log</h2>
      <p className="muted small">
        Every privileged action, newest first. Append-only: the database refuses to change or delete an entry. Filter by action
        (exact, or a prefix ending in “.”, e.g. <code>user.</code>) or by who did it (email or id).
      </p>
      <form
        className="inline-form"
        onSubmit={(ev) => {
          ev.preventDefault();
          setApplied({ action, actor });
        }}
      >
        <input aria-label="Action" placeholder="action, e.g. deployment." value={action} onChange={(ev) => setAction(ev.target.value)} />
        <input aria-label="Actor" placeholder="who (email or id)" value={actor} onChange={(ev) => setActor(ev.target.value)} />
        <button type="submit" className="btn">
          Filter
        </button>
        <a className="btn" href={`/api/audit/export${qs ? `?${qs}` : ''}`} download>
          Export JSON lines
        </a>
      </form>
      {entries.error ? (
        <ErrorBox error={entries.error} retry={entries.reload} />
      ) : !entries.data ? (
        <Loading what="audit log" />
      ) : entries.data.length === 0 ? (
        <Empty title="No entries match." />
      ) : (
        <div className="table-wrap"><table className="table" aria-label="Audit log">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Target</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.data.map((en) => (
              <tr key={en.id} data-audit={en.action}>
                <td>
                  <Ago iso={en.at} />
                </td>
                <td>
                  <code>{en.actor}</code>
                </td>
                <td>{en.action}</td>
                <td>{en.target ? <code>{en.target}</code> : '—'}</td>
                <td className="small muted">{en.details ? JSON.stringify(en.details) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
    </section>
  );
}
