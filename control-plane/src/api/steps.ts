import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import { notFound } from '../errors.js';
import type { Services } from '../services.js';
import { parseInput, type AppEnv } from './env.js';
import { currentUser, requireAuth, requireRole } from './middleware.js';

const LogQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

/** /api/steps: one step's state, its log (JSON pages or a text download), cancel. */
export function stepsApi(s: Services) {
  const load = async (id: string) => {
    const step = await s.steps.find(id);
    if (!step) throw notFound('step', id);
    return step;
  };
  return new Hono<AppEnv>()
    .use('*', requireAuth)
    .get('/:id', async (c) => c.json({ step: await load(c.req.param('id')) }))
    .get('/:id/logs', async (c) => {
      const id = c.req.param('id');
      await load(id);
      const q = parseInput(LogQuery, c.req.query());
      const lines = await s.logs.read(id, q.after, q.limit);
      return c.json({ lines, next: lines.length === q.limit ? lines[lines.length - 1]?.seq : null });
    })
    .get('/:id/logs.txt', async (c) => {
      const id = c.req.param('id');
      await load(id);
      c.header('Content-Type', 'text/plain; charset=utf-8');
      c.header('Content-Disposition', `attachment; filename="${id}.log"`);
      return stream(c, async (out) => {
        for await (const page of s.logs.readAll(id)) await out.write(page.map((l) => `${l.text}\n`).join(''));
      });
    })
    .post('/:id/cancel', requireRole('deployer', 'maintainer'), async (c) => {
      const id = c.req.param('id');
      await s.dispatcher.cancelStep(id);
      await s.audit.record(currentUser(c).id, 'step.cancel', id);
      return c.json({ ok: true });
    });
}
