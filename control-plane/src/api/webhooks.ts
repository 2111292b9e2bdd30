import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../services.js';
import { parseInput, type AppEnv } from './env.js';
import { clientIp, currentUser, requireAuth, requireRole } from './middleware.js';

const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/**
 * `POST /webhooks/:projectId`: deliveries from GitHub, GitLab and Bitbucket (every kind of event
 * goes through WebhookService.receive: body cap, signature while streaming, replay checks).
 * Outside /api on purpose: no session, no CSRF; the signature over the raw body is the only
 * authentication.
 */
export function webhookReceiverApi(s: Services) {
  return new Hono<AppEnv>().post('/:projectId', async (c) => {
    const reply = await s.webhooks.receive(c.req.param('projectId'), (name) => c.req.header(name), c.req.raw.body, clientIp(c));
    return c.json(reply.body, reply.status);
  });
}

/** `/api/projects/:project/webhook`: the secret (maintainers; shown once) and recent deliveries. */
export function projectWebhookApi(s: Services) {
  return new Hono<AppEnv>()
    .use('/:project/webhook', requireAuth)
    .use('/:project/webhook/*', requireAuth)
    .get('/:project/webhook', async (c) => c.json({ webhook: await s.webhooks.info(c.req.param('project')) }))
    .post('/:project/webhook', requireRole('maintainer'), async (c) => {
      const created = await s.webhooks.createSecret(currentUser(c).id, c.req.param('project'));
      return c.json(
        {
          ...created,
          setup: {
            github: 'Settings → Webhooks → Add webhook: Payload URL = url, Content type = application/json (form also works), Secret = secret, event "Just the push event"',
            gitlab: 'Settings → Webhooks: URL = url, Secret token = secret, trigger "Push events"',
            bitbucket: 'Repository settings → Webhooks → Add webhook: URL = url, Secret = secret, trigger "Repository push"',
          },
        },
        201,
      );
    })
    .get('/:project/webhook/deliveries', async (c) => {
      const q = parseInput(DeliveriesQuery, c.req.query());
      return c.json({ deliveries: await s.webhooks.deliveries(c.req.param('project'), q.limit) });
    });
}
