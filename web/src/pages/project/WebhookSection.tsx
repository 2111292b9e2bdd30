import { useState } from 'react';
import { webhooks } from '../../api/features.js';
import type { WebhookSecret } from '../../api/feature-types.js';
import { Async } from '../../components/Async.js';
import { CopyButton } from '../../components/CopyButton.js';
import { FormError, ShownOnce, useAction } from '../../components/forms.js';
import { Ago } from '../../components/ui.js';
import { useApi } from '../../hooks/useApi.js';
import { WebhookDeliveries } from './WebhookDeliveries.js';

const SETUP: { host: string; steps: string }[] = [
  { host: 'GitHub', steps: 'Settings → Webhooks → Add webhook. Payload URL: the URL above; Content type: application/json; Secret: the secret; events: “Just the push event”.' },
  { host: 'GitLab', steps: 'Settings → Webhooks → Add new webhook. URL: the URL above; Secret token: the secret; trigger: “Push events”.' },
  { host: 'Bitbucket Cloud', steps: 'Repository settings → Webhooks → Add webhook. URL: the URL above; Secret: the secret; trigger: “Repository push”.' },
];

/** The push webhook: its URL, whether a secret is set, a new secret shown once, setup per host, recent deliveries. */
export function WebhookSection({ project, canManage }: { project: string; canManage: boolean }) {
  const info = useApi(() => webhooks.info(project), [project]);
  const deliveries = useApi(() => webhooks.deliveries(project), [project]);
  const [fresh, setFresh] = useState<WebhookSecret | null>(null);
  const action = useAction();
  const rotate = () =>
    action.run(async () => {
      if (info.data?.configured && !window.confirm('Make a new secret? Deliveries signed with the old one are refused from now on.')) return;
      setFresh(await webhooks.rotate(project));
      info.reload();
    });

  return (
    <section className="card" id="webhook" aria-label="Push webhook">
      <h2>Push webhook</h2>
      <Async resource={info} what="the webhook">
        {(w) => (
          <>
            <div className="install-cmd">
              <pre>
                <code data-testid="webhook-url">{w.url}</code>
              </pre>
              <CopyButton text={w.url} label="Copy URL" />
            </div>
            <p className="small" data-testid="webhook-secret-state">
              {w.configured ? (
                <>
                  Secret set <Ago iso={w.createdAt} />. It is stored sealed and never shown again.
                </>
              ) : (
                'No secret yet: deliveries are refused until you make one.'
              )}
            </p>
          </>
        )}
      </Async>
      {fresh && <ShownOnce title="Webhook secret" value={fresh.secret} />}
      {canManage ? (
        <button type="button" className="btn" disabled={action.busy} onClick={() => void rotate()}>
          {info.data?.configured ? 'Generate new secret' : 'Generate secret'}
        </button>
      ) : (
        <p className="muted small">Maintainers and admins make the secret.</p>
      )}
      <FormError error={action.error} />
      <details className="setup">
        <summary>How to set it up on GitHub, GitLab or Bitbucket</summary>
        <ul className="small">
          {SETUP.map((s) => (
            <li key={s.host}>
              <strong>{s.host}:</strong> {s.steps}
            </li>
          ))}
        </ul>
        <p className="muted small">A push to an environment’s branch deploys it when that environment has “Deploy automatically” on (environment settings).</p>
      </details>
      <h3>Recent deliveries</h3>
      <WebhookDeliveries resource={deliveries} />
    </section>
  );
}
