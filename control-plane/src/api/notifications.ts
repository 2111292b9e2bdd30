import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { readJson, type AppEnv } from './env.js';
import { currentUser, requireRole } from './middleware.js';

/** The body as JSON (the service validates it, naming the field); the test send may have none. */
async function body(c: Context<AppEnv>, optional = false): Promise<unknown> {
  if (optional && (await c.req.raw.clone().text()).trim() === '') return {};
  return readJson(c, z.unknown());
}

/**
 * /api/projects/:project/notifications: channels with their rules, test sends and delivery
 * history. Maintainers and admins only: channel settings are as sensitive as deploy rights.
 */
export function notificationsApi(s: Services) {
  const n = s.notifications;
  const maintainer = requireRole('maintainer');
  return new Hono<AppEnv>()
    .use('/:project/notifications', maintainer)
    .use('/:project/notifications/*', maintainer)
    .get('/:project/notifications', async (c) => c.json({ notifications: await n.list(c.req.param('project')) }))
    .post('/:project/notifications', async (c) => c.json({ notification: await n.create(currentUser(c).id, c.req.param('project'), await body(c)) }, 201))
    .get('/:project/notifications/deliveries', async (c) => {
      const limit = c.req.query('limit');
      if (limit !== undefined && !/^\d{1,3}$/.test(limit)) throw new AppError('VALIDATION_FAILED', 'limit: a number from 1 to 500', { field: 'limit' });
      const deliveries = await n.deliveries(c.req.param('project'), {
        ...(limit ? { limit: Number(limit) } : {}),
        notificationId: c.req.query('notification'),
        deploymentId: c.req.query('deployment'),
      });
      return c.json({ deliveries });
    })
    .get('/:project/notifications/:id', async (c) => c.json({ notification: await n.get(c.req.param('project'), c.req.param('id')) }))
    .patch('/:project/notifications/:id', async (c) => c.json({ notification: await n.update(currentUser(c).id, c.req.param('project'), c.req.param('id'), await body(c)) }))
    .delete('/:project/notifications/:id', async (c) => {
      await n.remove(currentUser(c).id, c.req.param('project'), c.req.param('id'));
      return c.body(null, 204);
    })
    .post('/:project/notifications/:id/test', async (c) => c.json({ result: await n.test(currentUser(c).id, c.req.param('project'), c.req.param('id'), await body(c, true)) }));
}
