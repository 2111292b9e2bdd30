import { useState } from 'react';
import { notifications } from '../../../api/features.js';
import type { Notification, NotificationTestResult, PublicChannel } from '../../../api/feature-types.js';
import type { Project } from '../../../api/types.js';
import { Async } from '../../../components/Async.js';
import { FormError, useAction } from '../../../components/forms.js';
import { useApi } from '../../../hooks/useApi.js';
import { CHANNEL_LABEL } from './channel-fields.js';
import { ChannelDialog } from './ChannelDialog.js';
import { DeliveriesTable } from './DeliveriesTable.js';
import { EVENT_LABEL } from './RulesEditor.js';

function target(c: PublicChannel): string {
  if (c.type === 'email' || c.type === 'sms') return c.to.join(', ');
  return c.host;
}

/** Where deployment news goes: channels with their rules, a test send per channel, the delivery history. */
export function NotificationsSection({ project }: { project: Project }) {
  const list = useApi(() => notifications.list(project.name), [project.name]);
  const deliveries = useApi(() => notifications.deliveries(project.name), [project.name]);
  const [dialog, setDialog] = useState<{ editing: Notification | null } | null>(null);
  const reload = () => {
    list.reload();
    deliveries.reload();
  };
  return (
    <section className="card" aria-label="Notifications">
      <h2>
        Notifications
        <button type="button" className="btn btn-small" onClick={() => setDialog({ editing: null })}>
          Add channel
        </button>
      </h2>
      <Async resource={list} what="notification channels" empty={{ title: 'No channels yet.', hint: 'Add one to hear about deployments in email, Slack, Discord, Teams, SMS or your own endpoint.' }}>
        {(items) => (
          <ul className="channel-list">
            {items.map((n) => (
              <ChannelRow key={n.id} project={project.name} n={n} onEdit={() => setDialog({ editing: n })} onChanged={reload} />
            ))}
          </ul>
        )}
      </Async>
      <h3>Recent deliveries</h3>
      <DeliveriesTable resource={deliveries} />
      {dialog && (
        <ChannelDialog
          project={project.name}
          environments={project.environments.map((e) => e.name)}
          editing={dialog.editing}
          onClose={() => setDialog(null)}
          onSaved={() => {
            setDialog(null);
            reload();
          }}
        />
      )}
    </section>
  );
}

function ChannelRow({ project, n, onEdit, onChanged }: { project: string; n: Notification; onEdit: () => void; onChanged: () => void }) {
  const [result, setResult] = useState<NotificationTestResult | null>(null);
  const action = useAction();
  const events = [...new Set(n.rules.flatMap((r) => r.events))].map((e) => EVENT_LABEL[e]).join(', ');
  const envs = [...new Set(n.rules.flatMap((r) => r.environments))];
  const test = () => action.run(async () => setResult(await notifications.test(project, n.id, n.rules[0]?.events[0] ?? 'deployment.succeeded')));
  const remove = () => {
    if (window.confirm(`Remove the channel “${n.name}”?`)) void action.run(() => notifications.remove(project, n.id)).then((ok) => ok && onChanged());
  };
  return (
    <li className="channel" data-channel={n.name}>
      <div className="row-between">
        <div>
          <strong>{n.name}</strong> <span className="tag">{CHANNEL_LABEL[n.channel.type]}</span> {!n.enabled && <span className="tag">paused</span>}
          <div className="muted small">
            to {target(n.channel)}
            {n.channel.type === 'webhook' && ' · signed'} · on {events} · {envs.length ? envs.join(', ') : 'every environment'}
          </div>
        </div>
        <div className="page-actions">
          <button type="button" className="btn btn-small" disabled={action.busy} onClick={() => void test()}>
            {action.busy ? 'Sending…' : 'Send test'}
          </button>
          <button type="button" className="btn btn-small" onClick={onEdit}>
            Edit
          </button>
          <button type="button" className="btn btn-small btn-danger-ghost" onClick={remove}>
            Remove
          </button>
        </div>
      </div>
      {result && (
        <div className={result.ok ? 'state state-ok small' : 'state state-error small'} role="status" data-testid="test-result">
          {result.ok ? 'Sent' : `Failed: ${result.error ?? 'no answer'}`}
          {result.status !== undefined && result.status !== null && ` · provider answered ${result.status}`}
        </div>
      )}
      <FormError error={action.error} />
    </li>
  );
}
