import { Hono } from 'hono';
import { stream, streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Services } from '../services.js';
import { DeployOptions, RollbackOptions } from '../deployments/types.js';
import { HistoryQuery, listHistory } from '../deployments/history.js';
import { DeploymentLog, formatCursor, parseCursor } from '../deployments/log.js';
import { releaseRows } from '../deployments/release-rows.js';
import { followDeploymentLog } from '../events/log-stream.js';
import { parseInput, readJson, type AppEnv } from './env.js';
import { currentUser, requireAction, requireAuth, requireRole } from './middleware.js';
import { ReleaseMarks } from '../deployments/release-marks.js';
import { streamLimiterFor } from './stream-limit.js';
import { RolloutControl } from '../rollout/control.js';

export const MarkInput = z.object({ reason: z.string().trim().min(1, 'say why this release may be rolled back to').max(500) }).strict();

const LogQuery = z.object({
  format: z.enum(['text', 'json']).default('text'),
  after: z.string().max(20_000).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

/** `/api/projects/:project/...`: deploy, rollback, releases on disk, per-project history. */
export function projectDeploymentsApi(s: Services) {
  const deployer = requireRole('deployer', 'maintainer');
  const marks = new ReleaseMarks(s.db, s.audit);
  return new Hono<AppEnv>()
    .use('*', requireAuth)
    .post('/:project/environments/:env/deployments', deployer, async (c) => {
      const input = await readJson(c, DeployOptions);
      const user = currentUser(c);
      const out = await s.engine.requests.deploy(user.id, c.req.param('project'), c.req.param('env'), input, 'manual', user.role);
      return c.json(out, out.outcome === 'queued' || out.outcome === 'pending_approval' || out.outcome === 'failed' ? 201 : 200);
    })
    .post('/:project/environments/:env/rollback', deployer, async (c) => {
      const input = await readJson(c, RollbackOptions);
      const user = currentUser(c);
      const out = await s.engine.requests.rollback(user.id, c.req.param('project'), c.req.param('env'), input, {}, user.role);
      return c.json(out, 201);
    })
    .get('/:project/environments/:env/releases', async (c) => {
      const project = await s.projects.get(c.req.param('project'));
      const env = await s.environments.get(project.id, c.req.param('env'));
      const [releases, byRelease] = await Promise.all([
        s.engine.releases.list(env.id, { includePruned: c.req.query('pruned') === 'true' }),
        releaseRows(s.db, env),
      ]);
      // `releases`: one record per server; `byRelease`: one row per release with commit, deployer, snapshot and rollback verdict.
      return c.json({ releases, byRelease });
    })
    .post('/:project/environments/:env/releases/:release/mark', requireAction('release.mark'), async (c) => {
      const { reason } = await readJson(c, MarkInput);
      const project = await s.projects.get(c.req.param('project'));
      const env = await s.environments.get(project.id, c.req.param('env'));
      return c.json({ mark: await marks.mark(currentUser(c).id, env.id, c.req.param('release'), reason) });
    })
    .delete('/:project/environments/:env/releases/:release/mark', requireAction('release.mark'), async (c) => {
      const project = await s.projects.get(c.req.param('project'));
      const env = await s.environments.get(project.id, c.req.param('env'));
      await marks.unmark(currentUser(c).id, env.id, c.req.param('release'));
      return c.body(null, 204);
    })
    .get('/:project/deployments', async (c) => {
      const project = await s.projects.get(c.req.param('project'));
      return c.json(await listHistory(s.db, parseInput(HistoryQuery, c.req.query()), project.id));
    });
}

/** `/api/deployments`: history across projects, one deployment, cancel, logs (download, pages, live). */
export function deploymentsApi(s: Services) {
  const { engine } = s;
  const control = new RolloutControl({ store: engine.store, runs: engine.runs, rollout: engine.rollout, publish: engine.publish });
  return new Hono<AppEnv>()
    .use('*', requireAuth)
    .get('/', async (c) => c.json(await listHistory(s.db, parseInput(HistoryQuery, c.req.query()))))
    .get('/:id', async (c) => c.json({ deployment: await engine.store.detail(c.req.param('id')) }))
    .post('/:id/cancel', requireRole('deployer', 'maintainer'), async (c) => {
      const user = currentUser(c);
      const deployment = await engine.queue.cancel(c.req.param('id'), user.email);
      await s.audit.record(user.id, 'deployment.cancel', deployment.id);
      return c.json({ deployment });
    })
    .get('/:id/rollout', async (c) => {
      const deployment = await engine.store.get(c.req.param('id'));
      return c.json({ rollout: await engine.rollout.list(deployment.id) });
    })
    .post('/:id/promote', requireRole('deployer', 'maintainer'), async (c) => {
      const user = currentUser(c);
      const event = await control.request(c.req.param('id'), 'promote', user.email);
      await s.audit.record(user.id, 'deployment.promote', c.req.param('id'));
      return c.json({ request: event }, 202);
    })
    .post('/:id/abort', requireRole('deployer', 'maintainer'), async (c) => {
      const user = currentUser(c);
      const event = await control.request(c.req.param('id'), 'abort', user.email);
      await s.audit.record(user.id, 'deployment.abort', c.req.param('id'));
      return c.json({ request: event }, 202);
    })
    .get('/:id/logs', async (c) => {
      const id = c.req.param('id');
      await engine.store.get(id);
      const q = parseInput(LogQuery, c.req.query());
      if (q.format === 'json') {
        const page = await engine.log.read(id, parseCursor(q.after), q.limit);
        return c.json({ lines: page.lines, next: formatCursor(page.next), more: page.lines.length === q.limit });
      }
      // Parsed before the 200 goes out, so a bad cursor is a 400 and not a broken download.
      const start = parseCursor(q.after);
      c.header('Content-Type', 'text/plain; charset=utf-8');
      c.header('Content-Disposition', `attachment; filename="deployment-${id}.log"`);
      return stream(c, async (out) => {
        let cursor = start;
        for (;;) {
          const page = await engine.log.read(id, cursor, 5000);
          if (page.lines.length === 0) return;
          cursor = page.next;
          await out.write(page.lines.map((l) => `${DeploymentLog.formatText(l)}\n`).join(''));
        }
      });
    })
    .get('/:id/logs/stream', async (c) => {
      const id = c.req.param('id');
      await engine.store.get(id);
      const start = parseCursor(c.req.header('last-event-id') ?? c.req.query('after'));
      const release = streamLimiterFor(s).acquire(currentUser(c).id);
      c.header('X-Accel-Buffering', 'no'); // nginx: do not buffer the stream
      return streamSSE(c, async (sse) => {
        try {
          await followDeploymentLog({ db: s.db, bus: s.bus, store: engine.store, log: engine.log }, id, start, {
            get aborted() {
              return sse.aborted || sse.closed;
            },
            onAbort: (fn) => sse.onAbort(fn),
            send: (event, data, eventId) => sse.writeSSE({ event, data: JSON.stringify(data), ...(eventId !== undefined ? { id: eventId } : {}) }),
          });
        } finally {
          release();
        }
      });
    });
}
