import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../api/client.js';
import { CopyButton } from './CopyButton.js';

/**
 * The pieces every form and dialog repeats: an action's busy/error state, the error line,
 * the dialog footer, a card form's save footer, a secret shown once.
 */
export interface Action {
  busy: boolean;
  error: string | null;
  /** Set after a successful run, cleared by the next one. */
  done: boolean;
  /** Runs `work`; its error is shown, never thrown. Resolves true when it succeeded. */
  run: (work: () => Promise<unknown>) => Promise<boolean>;
  setError: (error: string | null) => void;
}

export function useAction(): Action {
  const [state, setState] = useState<{ busy: boolean; error: string | null; done: boolean }>({ busy: false, error: null, done: false });
  const run = useCallback(async (work: () => Promise<unknown>) => {
    setState({ busy: true, error: null, done: false });
    try {
      await work();
      setState({ busy: false, error: null, done: true });
      return true;
    } catch (err) {
      setState({ busy: false, error: errorMessage(err), done: false });
      return false;
    }
  }, []);
  const setError = useCallback((error: string | null) => setState((s) => ({ ...s, error })), []);
  return { ...state, run, setError };
}

/** `onSubmit` for a form whose submit runs one action. */
export const submitWith = (action: Action, work: () => Promise<unknown>, after?: () => void) => (event: FormEvent) => {
  event.preventDefault();
  void action.run(work).then((ok) => ok && after?.());
};

export function FormError({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <div className="state state-error" role="alert">
      {error}
    </div>
  );
}

export function DialogFooter({
  onCancel,
  busy,
  label,
  busyLabel,
  kind = 'btn-primary',
  disabled,
}: {
  onCancel: () => void;
  busy: boolean;
  label: string;
  busyLabel: string;
  kind?: string;
  disabled?: boolean;
}) {
  return (
    <footer className="dialog-footer">
      <button type="button" className="btn" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" className={`btn ${kind}`} disabled={busy || disabled}>
        {busy ? busyLabel : label}
      </button>
    </footer>
  );
}

/** The end of a settings card: its error, "Saved." after a save, the submit button (none when read-only). */
export function SaveFooter({ action, label, readOnly, note }: { action: Action; label: string; readOnly?: boolean; note?: ReactNode }) {
  return (
    <>
      <FormError error={action.error} />
      {readOnly ? (
        note && <p className="muted small">{note}</p>
      ) : (
        <footer className="form-footer">
          {action.done && <span className="ok-text">Saved.</span>}
          <button type="submit" className="btn btn-primary" disabled={action.busy}>
            {action.busy ? 'Saving…' : label}
          </button>
        </footer>
      )}
    </>
  );
}

export function Check({ checked, onChange, children, disabled }: { checked: boolean; onChange: (checked: boolean) => void; children: ReactNode; disabled?: boolean }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} /> {children}
    </label>
  );
}

/** A token or secret the API shows once: the value with a copy button and the warning. */
export function ShownOnce({ title, value, children }: { title: ReactNode; value: string; children?: ReactNode }) {
  return (
    <div className="state state-ok shown-once" data-testid="shown-once">
      <div>{title} — copy it now, it is not shown again:</div>
      <div className="install-cmd">
        <pre>
          <code>{value}</code>
        </pre>
        <CopyButton text={value} />
      </div>
      {children}
    </div>
  );
}

/** A settings card: title, fields (read-only for those who may not change them), save footer. */
export function SettingsForm({
  title,
  save,
  label,
  readOnly,
  children,
}: {
  title: string;
  save: () => Promise<unknown>;
  label: string;
  readOnly?: boolean;
  children: ReactNode;
}) {
  const action = useAction();
  return (
    <form className="card form" aria-label={title} onSubmit={submitWith(action, save)}>
      <h2>{title}</h2>
      <fieldset disabled={readOnly} className="plain">
        {children}
      </fieldset>
      <SaveFooter action={action} label={label} readOnly={readOnly} />
    </form>
  );
}

/** Deleting something for good: type its name to confirm. */
export function DeleteCard({ title, name, note, remove }: { title: string; name: string; note: string; remove: () => Promise<unknown> }) {
  const [confirm, setConfirm] = useState('');
  const action = useAction();
  return (
    <section className="card danger">
      <h2>{title}</h2>
      <p className="muted small">{note}</p>
      <div className="inline-form">
        <input aria-label={`Type ${name} to confirm`} placeholder={`type ${name} to confirm`} value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        <button type="button" className="btn btn-danger" disabled={confirm !== name || action.busy} onClick={() => void action.run(remove)}>
          Delete {name}
        </button>
      </div>
      <FormError error={action.error} />
    </section>
  );
}
