import type { WebhookDelivery } from '../../api/feature-types.js';
import { Async } from '../../components/Async.js';
import { shortSha } from '../../components/format.js';
import { Ago } from '../../components/ui.js';
import type { Resource } from '../../hooks/useApi.js';
import { Link } from '../../router/router.js';

/** What each push delivery did: provider, branch and commit, outcome, the deployments it asked for. */
export function WebhookDeliveries({ resource }: { resource: Resource<WebhookDelivery[]> }) {
  return (
    <Async resource={resource} what="deliveries" empty={{ title: 'No deliveries yet.', hint: 'They show up here after the first push (or ping) from your git host.' }}>
      {(items) => (
        <div className="table-wrap">
          <table className="table" aria-label="Webhook deliveries">
            <thead>
              <tr>
                <th>Received</th>
                <th>Event</th>
                <th>Outcome</th>
                <th className="hide-narrow">Deployments</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={`${d.provider}-${d.deliveryId}`} data-outcome={d.outcome}>
                  <td>
                    <Ago iso={d.receivedAt} />
                  </td>
                  <td>
                    {d.provider} {d.event}
                    {d.branch && <span className="muted small"> {d.branch}</span>} {d.sha && <code className="sha">{shortSha(d.sha)}</code>}
                  </td>
                  <td>
                    <span className="tag">{d.outcome}</span>
                    {d.detail && <div className="muted small">{d.detail}</div>}
                  </td>
                  <td className="hide-narrow small">
                    {d.deployments.length === 0
                      ? '—'
                      : d.deployments.map((x) => (
                          <div key={`${x.environment}-${x.deploymentId}`}>
                            {x.deploymentId ? <Link to={`/deployments/${x.deploymentId}`}>{x.environment}</Link> : x.environment}
                            {x.status ? ` · ${x.status}` : ''}
                            {x.reason ? ` · ${x.reason}` : ''}
                          </div>
                        ))}
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
