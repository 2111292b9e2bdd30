import { useState } from 'react';
import { servers } from '../api/endpoints.js';
import type { AddedServer, Server } from '../api/types.js';
import { CopyButton } from '../components/CopyButton.js';
import { Dialog } from '../components/Dialog.js';
import { labelList, parseLabels } from '../components/format.js';
import { DialogFooter, FormError, submitWith, useAction } from '../components/forms.js';
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

/** Name and labels of a server: the same form adds one and edits one. */
function ServerDialog({
  title,
  initial,
  labelsHint,
  submitLabel,
  busyLabel,
  save,
  onClose,
}: {
  title: string;
  initial: { name: string; labels: string };
  labelsHint: string;
  submitLabel: string;
  busyLabel: string;
  save: (name: string, labels: Record<string, string>) => Promise<unknown>;
  onClose: () => void;
}) {
  const [name, setName] = useState(initial.name);
  const [labels, setLabels] = useState(initial.labels);
  const action = useAction();
  return (
    <Dialog title={title} onClose={onClose}>
      <form className="form" onSubmit={submitWith(action, () => save(name.trim(), parseLabels(labels)))}>
        <Field label="Name" hint="How this server shows up in DevFlow, e.g. web-1.">
          <input required value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </Field>
        <Field label="Labels" hint={labelsHint}>
          <input value={labels} onChange={(e) => setLabels(e.target.value)} />
        </Field>
        <FormError error={action.error} />
        <DialogFooter onCancel={onClose} busy={action.busy} label={submitLabel} busyLabel={busyLabel} />
      </form>
    </Dialog>
  );
}

export function AddServerDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (name: string, added: AddedServer) => void }) {
  return (
    <ServerDialog
      title="Add a server"
      initial={{ name: '', labels: '' }}
      labelsHint="Optional, comma separated: web, region=eu."
      submitLabel="Add and show install line"
      busyLabel="Adding…"
      save={async (name, labels) => onAdded(name, await servers.add(name, labels))}
      onClose={onClose}
    />
  );
}

export function EditServerDialog({ server, onClose, onSaved }: { server: Server; onClose: () => void; onSaved: () => void }) {
  return (
    <ServerDialog
      title={`Edit ${server.name}`}
      initial={{ name: server.name, labels: labelList(server.labels).join(', ') }}
      labelsHint="Comma separated: web, region=eu."
      submitLabel="Save"
      busyLabel="Saving…"
      save={async (name, labels) => {
        await servers.update(server.id, { name, labels });
        onSaved();
      }}
      onClose={onClose}
    />
  );
}
