import type { NotificationDelivery } from '../../../api/feature-types.js';
import { Async } from '../../../components/Async.js';
import { Ago } from '../../../components/ui.js';
import type { Resource } from '../../../hooks/useApi.js';
import { Link } from '../../../router/router.js';
import { EVENT_LABEL } from './RulesEditor.js';

/** Each notification a deployment caused: channel, event, status, tries, the provider's last answer. */
export function DeliveriesTable({ resource }: { resource: Resource<NotificationDelivery[]> }) {
  return (
    <Async resource={resource} what="deliveries" empty={{ title: 'Nothing sent yet.', hint: 'Deliveries appear when a deployment matches a rule (test sends are not listed).' }}>
      {(items) => (
        <div className="table-wrap">
          <table className="table" aria-label="Notification deliveries">
            <thead>
              <tr>
                <th>When</th>
                <th>Channel</th>
                <th>Event</th>
                <th>Status</th>
                <th className="hide-narrow">Last answer</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id} data-status={d.status}>
                  <td>
                    <Ago iso={d.sentAt ?? d.createdAt} />
                  </td>
                  <td>{d.notificationName}</td>
                  <td>
                    <Link to={`/deployments/${d.deploymentId}`}>{EVENT_LABEL[d.event] ?? d.event}</Link>
                  </td>
                  <td>
                    <span className="tag">{d.status}</span> <span className="muted small">{d.attempts} tr{d.attempts === 1 ? 'y' : 'ies'}</span>
                  </td>
                  <td className="hide-narrow small">
                    {d.responseStatus !== null && `${d.responseStatus} `}
                    {d.lastError && <span className="error-text">{d.lastError}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Async>
  );
}
