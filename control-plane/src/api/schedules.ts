import { Hono } from 'hono';
import type { Services } from '../services.js';
import { ScheduleInput } from '../schedules/types.js';
import { readJson, type AppEnv } from './env.js';
import { currentUser, requireAuth, requireRole } from './middleware.js';

/**
 * /api/projects/:project/environments/:env/schedule: the environment's cron schedule (scheduled
 * deployments) and its recent ticks. Mounted at /api/projects.
 */
export function schedulesApi(s: Services) {
  const manage = requireRole('maintainer');
  return new Hono<AppEnv>()
    .use('/:project/environments/:env/schedule', requireAuth)
    .get('/:project/environments/:env/schedule', async (c) => c.json(await s.schedules.get(c.req.param('project'), c.req.param('env'))))
    .put('/:project/environments/:env/schedule', manage, async (c) => {
      const input = await readJson(c, ScheduleInput);
      return c.json({ schedule: await s.schedules.set(currentUser(c).id, c.req.param('project'), c.req.param('env'), input) });
    })
    .delete('/:project/environments/:env/schedule', manage, async (c) => {
      await s.schedules.remove(currentUser(c).id, c.req.param('project'), c.req.param('env'));
      return c.body(null, 204);
    });
}
