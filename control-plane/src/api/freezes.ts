import { Hono } from 'hono';
import type { Services } from '../services.js';
import { FreezeInput } from '../freeze/types.js';
import { readJson, type AppEnv } from './env.js';
import { currentUser, requireAuth, requireRole } from './middleware.js';

/**
 * /api/projects/:project/freezes (list, add, remove) and the environment's freeze calendar
 * /api/projects/:project/environments/:env/freezes?from=&to=. Mounted at /api/projects.
 */
export function freezesApi(s: Services) {
  const manage = requireRole('maintainer');
  return new Hono<AppEnv>()
    .use('/:project/freezes', requireAuth)
    .use('/:project/freezes/*', requireAuth)
    .use('/:project/environments/:env/freezes', requireAuth)
    .get('/:project/freezes', async (c) => c.json({ freezes: await s.freezes.list(c.req.param('project'), c.req.query('environment') || undefined) }))
    .post('/:project/freezes', manage, async (c) => {
      const input = await readJson(c, FreezeInput);
      return c.json({ freeze: await s.freezes.add(currentUser(c).id, c.req.param('project'), input) }, 201);
    })
    .delete('/:project/freezes/:id', manage, async (c) => {
      await s.freezes.remove(currentUser(c).id, c.req.param('project'), c.req.param('id'));
      return c.body(null, 204);
    })
    .get('/:project/environments/:env/freezes', async (c) => c.json(await s.freezes.calendar(c.req.param('project'), c.req.param('env'), c.req.query())));
}
