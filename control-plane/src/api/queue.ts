import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../services.js';
import { readJson, type AppEnv } from './env.js';
import { currentUser, requireAuth, requireRole } from './middleware.js';

const Reorder = z.object({ deploymentIds: z.array(z.string().min(1).max(128)).min(1).max(1000) }).strict();

/** `GET /api/queue`: running + queued deployments of every project, in order. */
export function queueApi(s: Services) {
  return new Hono<AppEnv>().use('*', requireAuth).get('/', async (c) => c.json({ queue: await s.engine.store.queue() }));
}

/** `/api/projects/:project/queue`: one project's queue; admins reorder it. */
export function projectQueueApi(s: Services) {
  return new Hono<AppEnv>()
    .use('*', requireAuth)
    .get('/:project/queue', async (c) => {
      const project = await s.projects.get(c.req.param('project'));
      return c.json({ queue: await s.engine.store.queue(project.id) });
    })
    .post('/:project/queue/reorder', requireRole(), async (c) => {
      const project = await s.projects.get(c.req.param('project'));
      const { deploymentIds } = await readJson(c, Reorder);
      const queue = await s.engine.queue.reorder(project.id, deploymentIds);
      await s.audit.record(currentUser(c).id, 'queue.reorder', project.id, { deploymentIds });
      return c.json({ queue });
    });
}
