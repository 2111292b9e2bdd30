import { useState } from 'react';
import { errorMessage } from '../api/client.js';
import { environments } from '../api/endpoints.js';
import type { Environment } from '../api/types.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Environment variables: values are never sent back by the API, so existing ones show as
 * hidden and can be replaced or removed; new ones are added with their value. Only the
 * changes are sent.
 */
export function VariablesEditor({ project, env, canEdit, onSaved }: { project: string; env: Environment; canEdit: boolean; onSaved: () => void }) {
  const [changes, setChanges] = useState<Record<string, string | null>>({});
  const [editing, setEditing] = useState<Record<string, boolean>>({});
  const [newRows, setNewRows] = useState<Array<{ key: string; value: string }>>([]);
  const [state, setState] = useState<{ busy?: boolean; error?: string; saved?: boolean }>({});

  const existing = env.variables;
  const dirty = Object.keys(changes).length > 0 || newRows.some((r) => r.key);

  const save = async () => {
    const payload: Record<string, string | null> = { ...changes };
    for (const row of newRows) {
      const key = row.key.trim();
      if (!key) continue;
      if (!KEY.test(key)) return setState({ error: `“${key}” is not a valid variable name: letters, digits and _, not starting with a digit.` });
      if (existing.includes(key) && !(key in changes)) return setState({ error: `${key} already exists; use Change on its row.` });
      payload[key] = row.value;
    }
    setState({ busy: true });
    try {
      await environments.setVariables(project, env.name, payload);
      setChanges({});
      setEditing({});
      setNewRows([]);
      setState({ saved: true });
      onSaved();
    } catch (err) {
      setState({ error: errorMessage(err) });
    }
  };

  return (
    <section className="card" aria-label="Environment variables">
      <h2>Environment variables</h2>
      <p className="muted small">Encrypted at rest and written to the release’s env file. Values are hidden once saved; you can replace them.</p>
      {existing.length === 0 && newRows.length === 0 && <p className="muted">No variables yet.</p>}
      <ul className="vars">
        {existing.map((key) => {
          const removed = changes[key] === null;
          return (
            <li key={key} className={removed ? 'var removed' : 'var'} data-key={key}>
              <code className="var-key">{key}</code>
              {editing[key] ? (
                <input
                  aria-label={`New value for ${key}`}
                  className="var-value"
                  type="text"
                  autoFocus
                  value={changes[key] ?? ''}
                  onChange={(e) => setChanges({ ...changes, [key]: e.target.value })}
                  spellCheck={false}
                />
              ) : (
                <span className="var-hidden">{removed ? 'will be removed' : '•••••••• (hidden)'}</span>
              )}
              {canEdit && (
                <span className="var-actions">
                  {!editing[key] && !removed && (
                    <button type="button" className="btn btn-small" onClick={() => { setEditing({ ...editing, [key]: true }); setChanges({ ...changes, [key]: '' }); }}>
                      Change
                    </button>
                  )}
                  <button
                    type="button"
                    className="btn btn-small btn-danger-ghost"
                    onClick={() => {
                      const next = { ...changes };
                      if (removed || editing[key]) delete next[key];
                      else next[key] = null;
                      setChanges(next);
                      setEditing({ ...editing, [key]: false });
                    }}
                  >
                    {removed || editing[key] ? 'Undo' : 'Remove'}
                  </button>
                </span>
              )}
            </li>
          );
        })}
        {newRows.map((row, i) => (
          <li key={`new-${i}`} className="var var-new">
            <input aria-label="Variable name" className="var-key" placeholder="NAME" value={row.key} onChange={(e) => setNewRows(newRows.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)))} spellCheck={false} />
            <input aria-label="Variable value" className="var-value" placeholder="value" value={row.value} onChange={(e) => setNewRows(newRows.map((r, j) => (j === i ? { ...r, value: e.target.value } : r)))} spellCheck={false} />
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setNewRows(newRows.filter((_, j) => j !== i))}>
              Drop
            </button>
          </li>
        ))}
      </ul>
      {state.error && (
        <div className="state state-error" role="alert">
          {state.error}
        </div>
      )}
      {canEdit && (
        <footer className="form-footer">
          {state.saved && !dirty && <span className="ok-text">Saved.</span>}
          <button type="button" className="btn" onClick={() => setNewRows([...newRows, { key: '', value: '' }])}>
            Add variable
          </button>
          <button type="button" className="btn btn-primary" disabled={!dirty || state.busy} onClick={() => void save()}>
            {state.busy ? 'Saving…' : 'Save variables'}
          </button>
        </footer>
      )}
    </section>
  );
}
