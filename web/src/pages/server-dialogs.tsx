import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client.js';
import { servers } from '../api/endpoints.js';
import type { AddedServer, Server } from '../api/types.js';
import { CopyButton } from '../components/CopyButton.js';
import { Dialog } from '../components/Dialog.js';
import { labelList, parseLabels } from '../components/format.js';
import { Field } from '../components/ui.js';

/** Adding a server (and showing its install line) and editing its name and labels. */
export function InstallLine({ name, added, onDone }: { name: string; added: AddedServer; onDone: () => void }) {
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

export function AddServerDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (name: string, added: AddedServer) => void }) {
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

export function EditServerDialog({ server, onClose, onSaved }: { server: Server; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(server.name);
  const [labels, setLabels] = useState(labelList(server.labels).join(', '));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await servers.update(server.id, { name: name.trim(), labels: parseLabels(labels) });
      onSaved();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Edit ${server.name}`} onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <Field label="Name">
          <input required value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </Field>
        <Field label="Labels" hint="Comma separated: web, region=eu.">
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
            {busy ? 'Saving…' : 'Save'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
