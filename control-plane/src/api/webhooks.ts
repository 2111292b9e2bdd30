import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { parseInput, type AppEnv } from './env.js';
import { currentUser, requireAuth, requireRole } from './middleware.js';

/** GitHub caps webhook payloads at 25 MB; the others send less. */
const MAX_BODY = 25 * 1024 * 1024;

const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/**
 * `POST /webhooks/:projectId`: deliveries from GitHub, GitLab and Bitbucket. Outside /api on
 * purpose: no session, no CSRF; the signature over the raw body is the only authentication.
 */
export function webhookReceiverApi(s: Services) {
  return new Hono<AppEnv>().post(
    '/:projectId',
    bodyLimit({
      maxSize: MAX_BODY,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', `webhook payload larger than ${MAX_BODY / 1024 / 1024} MB`);
      },
    }),
    async (c) => {
      // Bytes first: the signature covers exactly what was sent, before any parsing.
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const reply = await s.webhooks.receive(c.req.param('projectId'), (name) => c.req.header(name), raw);
      return c.json(reply.body, reply.status);
    },
  );
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
