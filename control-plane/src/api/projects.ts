import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../services.js';
import { parseInput, readJson, type AppEnv } from './env.js';
import { currentUser, requireAuth, requireRole } from './middleware.js';
import { CreateProject, UpdateProject } from '../projects/types.js';
import { environmentOverview } from '../projects/environment-overview.js';

const CommitsQuery = z.object({
  branch: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

const mayFetchNewUrl = (role: string) => role === 'admin' || role === 'maintainer';

/** /api/projects: projects and what their repository holds (branches, recent commits). */
export function projectsApi(s: Services) {
  const manage = requireRole('maintainer');
  return new Hono<AppEnv>()
    .use('*', requireAuth)
    .get('/', async (c) => {
      // Each project with its environments' overview (live release, lock): two queries in all.
      const [list, environments] = await Promise.all([s.projects.list(), environmentOverview(s.db)]);
      return c.json({ projects: list.map((p) => ({ ...p, environments: environments.get(p.id) ?? [] })) });
    })
    .post('/', manage, async (c) => {
      const input = await readJson(c, CreateProject);
      const user = currentUser(c);
      const project = await s.projects.create(user.id, input);
      // The push-webhook secret is shown this once (webhooks/; POST /:project/webhook makes a new one).
      const { url, secret } = await s.webhooks.createSecret(user.id, project.id);
      return c.json({ project, webhook: { url, secret } }, 201);
    })
    .get('/:project', async (c) => c.json({ project: await s.projects.get(c.req.param('project')) }))
    .patch('/:project', manage, async (c) => {
      const patch = await readJson(c, UpdateProject);
      return c.json({ project: await s.projects.update(currentUser(c).id, c.req.param('project'), patch) });
    })
    .delete('/:project', manage, async (c) => {
      await s.projects.remove(currentUser(c).id, c.req.param('project'));
      return c.body(null, 204);
    })
    // Browsing refreshes a URL already fetched; only maintainers make the first fetch of a new one (SSRF).
    .get('/:project/branches', async (c) => {
      const source = await s.projects.source(c.req.param('project'));
      return c.json({ branches: await s.repositories.branches(source, { fetchNew: mayFetchNewUrl(currentUser(c).role) }) });
    })
    .get('/:project/commits', async (c) => {
      const query = parseInput(CommitsQuery, c.req.query());
      const project = await s.projects.get(c.req.param('project'));
      const branch = query.branch ?? project.defaultBranch;
      const commits = await s.repositories.commits(await s.projects.source(project.id), branch, query.limit, { fetchNew: mayFetchNewUrl(currentUser(c).role) });
      return c.json({ branch, commits });
    });
}
