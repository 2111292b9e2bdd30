import { useState } from 'react';
import { notifications } from '../../../api/features.js';
import { CHANNEL_TYPES, type ChannelType, type Notification, type NotificationRule } from '../../../api/feature-types.js';
import { Dialog } from '../../../components/Dialog.js';
import { Check, DialogFooter, FormError, submitWith, useAction } from '../../../components/forms.js';
import { Field } from '../../../components/ui.js';
import { CHANNEL_LABEL, ChannelFields, channelInput, initialValues } from './channel-fields.js';
import { RulesEditor, cleanRules } from './RulesEditor.js';

/** Add a channel, or change one (secrets stay stored unless new ones are typed). */
export function ChannelDialog({ project, environments, editing, onClose, onSaved }: { project: string; environments: string[]; editing: Notification | null; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(editing?.name ?? '');
  const [enabled, setEnabled] = useState(editing?.enabled ?? true);
  const [values, setValues] = useState(initialValues(editing?.channel ?? null));
  const [rules, setRules] = useState<NotificationRule[]>(editing?.rules ?? [{ events: ['deployment.failed', 'deployment.succeeded'], environments: [] }]);
  const action = useAction();
  const set = (key: string, value: string) => setValues((v) => ({ ...v, [key]: value }));

  const save = async () => {
    if (rules.some((r) => r.events.length === 0)) throw new Error('Every rule needs at least one event.');
    const body = { name: name.trim(), enabled, channel: channelInput(values), rules: cleanRules(rules) };
    if (editing) await notifications.update(project, editing.id, body);
    else await notifications.create(project, body);
  };

  return (
    <Dialog title={editing ? `Edit ${editing.name}` : 'Add a notification channel'} onClose={onClose} wide>
      <form className="form" onSubmit={submitWith(action, save, onSaved)}>
        <div className="form-row">
          <Field label="Name">
            <input required value={name} placeholder="deploys to #ops" onChange={(e) => setName(e.target.value)} autoFocus />
          </Field>
          <Field label="Channel type">
            <select value={values.type} onChange={(e) => setValues({ ...initialValues(null), ...values, type: e.target.value as ChannelType })}>
              {CHANNEL_TYPES.map((t) => (
                <option key={t} value={t}>
                  {CHANNEL_LABEL[t]}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <ChannelFields values={values} set={set} stored={editing?.channel ?? null} />
        <Check checked={enabled} onChange={setEnabled}>
          Enabled
        </Check>
        <RulesEditor rules={rules} environments={environments} onChange={setRules} />
        <FormError error={action.error} />
        <DialogFooter onCancel={onClose} busy={action.busy} label={editing ? 'Save channel' : 'Add channel'} busyLabel="Saving…" />
      </form>
    </Dialog>
  );
}
