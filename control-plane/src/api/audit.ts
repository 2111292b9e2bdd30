import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import type { Services } from '../services.js';
import { parseInput, type AppEnv } from './env.js';
import { requireAction } from './middleware.js';

/** A date as ISO 8601 or epoch milliseconds. */
const Instant = z.string().transform((v, ctx) => {
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'a date (ISO 8601 like 2024-05-01T10:00:00Z, or epoch milliseconds)' });
    return z.NEVER;
  }
  return ms;
});

export const AuditFilterQuery = z.object({
  /** User id or email, `agent:<id>` or `system`. */
  actor: z.string().min(1).max(320).optional(),
  /** An exact action, or a prefix ending in "." (`user.`). */
  action: z.string().min(1).max(100).optional(),
  target: z.string().min(1).max(200).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
});
export const AuditListQuery = AuditFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Entries older than this id (the `next` of the previous page). */
  before: z.coerce.number().int().min(1).optional(),
});

/**
 * `/api/audit`: the audit log, newest first in pages, and `/api/audit/export` as JSON lines
 * (oldest first, every matching entry). Admins only: it names every user and what they did.
 */
export function auditApi(s: Services) {
  return new Hono<AppEnv>()
    .use('*', requireAction('audit.read'))
    .get('/', async (c) => {
      const { limit, before, ...filter } = parseInput(AuditListQuery, c.req.query());
      const entries = await s.audit.list(limit, { ...filter, ...(before !== undefined ? { beforeId: before } : {}) });
      return c.json({ entries, next: entries.length === limit ? (entries[entries.length - 1]?.id ?? null) : null });
    })
    .get('/export', (c) => {
      const filter = parseInput(AuditFilterQuery, c.req.query());
      c.header('Content-Type', 'application/x-ndjson; charset=utf-8');
      c.header('Content-Disposition', `attachment; filename="devflow-audit-${new Date().toISOString().slice(0, 10)}.jsonl"`);
      return stream(c, async (out) => {
        for await (const page of s.audit.all(filter)) await out.write(page.map((e) => `${JSON.stringify(e)}\n`).join(''));
      });
    });
}
