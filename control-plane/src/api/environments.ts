import { Hono } from 'hono';
import type { Services } from '../services.js';
import { CreateEnvironment, LockInput, SetVariables, UpdateEnvironment } from '../environments/types.js';
import { readJson, type AppEnv } from './env.js';
import { currentUser, requireAuth, requireRole } from './middleware.js';

/**
 * /api/projects/:project/environments: settings, servers, variables (names only out, values in)
 * and the deploy lock. Mounted at /api/projects.
 */
export function environmentsApi(s: Services) {
  const manage = requireRole('maintainer');
  const envs = s.environments;
  return new Hono<AppEnv>()
    .use('/:project/environments', requireAuth)
    .use('/:project/environments/*', requireAuth)
    .get('/:project/environments', async (c) => c.json({ environments: await envs.list(c.req.param('project')) }))
    .post('/:project/environments', manage, async (c) => {
      const input = await readJson(c, CreateEnvironment);
      return c.json({ environment: await envs.create(currentUser(c).id, c.req.param('project'), input) }, 201);
    })
    .get('/:project/environments/:env', async (c) => c.json({ environment: await envs.get(c.req.param('project'), c.req.param('env')) }))
    .patch('/:project/environments/:env', manage, async (c) => {
      const patch = await readJson(c, UpdateEnvironment);
      return c.json({ environment: await envs.update(currentUser(c).id, c.req.param('project'), c.req.param('env'), patch) });
    })
    .delete('/:project/environments/:env', manage, async (c) => {
      await envs.remove(currentUser(c).id, c.req.param('project'), c.req.param('env'));
      return c.body(null, 204);
    })
    .get('/:project/environments/:env/variables', async (c) => {
      const env = await envs.get(c.req.param('project'), c.req.param('env'));
      return c.json({ variables: env.variables });
    })
    .put('/:project/environments/:env/variables', manage, async (c) => {
      const input = await readJson(c, SetVariables);
      return c.json({ variables: await envs.setVariables(currentUser(c).id, c.req.param('project'), c.req.param('env'), input) });
    })
    .post('/:project/environments/:env/lock', manage, async (c) => {
      const input = await readJson(c, LockInput);
      return c.json({ environment: await envs.lock(currentUser(c).id, c.req.param('project'), c.req.param('env'), input) });
    })
    .delete('/:project/environments/:env/lock', manage, async (c) => {
      return c.json({ environment: await envs.unlock(currentUser(c).id, c.req.param('project'), c.req.param('env')) });
    });
}
