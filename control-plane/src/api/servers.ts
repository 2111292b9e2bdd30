import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../services.js';
import { Labels, ServerName } from '../servers/types.js';
import { readJson, type AppEnv } from './env.js';
import { currentUser, requireAuth, requireRole } from './middleware.js';

const CreateServer = z.object({ name: ServerName, labels: Labels.optional() });
const PatchServer = z.object({ name: ServerName.optional(), labels: Labels.optional() }).strict();

/**
 * /api/servers: list and manage servers; adding one returns the one-command install line.
 * Admins only change them: an enrolment token lets a machine receive steps and secrets.
 */
export function serversApi(s: Services) {
  const manage = requireRole();
  return new Hono<AppEnv>()
    .use('*', requireAuth)
    .get('/', async (c) => c.json({ servers: await s.servers.list() }))
    .post('/', manage, async (c) => {
      const input = await readJson(c, CreateServer);
      return c.json(await s.servers.create(currentUser(c).id, input), 201);
    })
    .get('/:id', async (c) => c.json({ server: await s.servers.get(c.req.param('id')) }))
    .patch('/:id', manage, async (c) => {
      const patch = await readJson(c, PatchServer);
      return c.json({ server: await s.servers.update(currentUser(c).id, c.req.param('id'), patch) });
    })
    .delete('/:id', manage, async (c) => {
      await s.servers.remove(currentUser(c).id, c.req.param('id'));
      return c.body(null, 204);
    })
    .post('/:id/token', manage, async (c) => c.json(await s.servers.newEnrollToken(currentUser(c).id, c.req.param('id')), 201));
}
