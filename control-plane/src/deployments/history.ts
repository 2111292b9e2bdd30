import { z } from 'zod';
import type { Db } from '../db/client.js';
import { NAMES_SQL, toDeployment } from './rows.js';
import { RANK_SQL } from './store.js';
import { DEPLOYMENT_STATUSES, type Deployment } from './types.js';

/** A date as ISO 8601 (`2024-05-01`, `2024-05-01T10:00:00Z`) or epoch milliseconds. */
const DateInput = z
  .string()
  .transform((v, ctx) => {
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'a date (ISO 8601 like 2024-05-01 or 2024-05-01T10:00:00Z, or epoch milliseconds)' });
      return z.NEVER;
    }
    return ms;
  });

export const HistoryQuery = z.object({
  project: z.string().min(1).max(128).optional(),
  /** Environment id or name. */
  environment: z.string().min(1).max(128).optional(),
  /** One status or several, comma-separated. */
  status: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(DEPLOYMENT_STATUSES)))
    .optional(),
  /** User id or email. */
  user: z.string().min(1).max(320).optional(),
  from: DateInput.optional(),
  /** Inclusive; a bare date means the end of that day (UTC). */
  to: z.string().optional().transform((v, ctx) => {
    if (v === undefined) return undefined;
    const parsed = DateInput.safeParse(v);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: 'a date (ISO 8601 or epoch milliseconds)' });
      return z.NEVER;
    }
    return /^\d{4}-\d{2}-\d{2}$/.test(v) ? parsed.data + 24 * 3600 * 1000 - 1 : parsed.data;
  }),
  /** Commit message, sha prefix, or author. */
  q: z.string().trim().min(1).max(200).optional(),
  kind: z.enum(['deploy', 'rollback']).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Deployment history with filters and pagination, newest first. `projectId` restricts to one project. */
export async function listHistory(db: Db, query: HistoryQuery, projectId?: string): Promise<Page<Deployment>> {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const project = projectId ?? query.project;
  if (project) {
    where.push('d.project_id IN (SELECT id FROM projects WHERE id = ? OR name = ?)');
    args.push(project, project);
  }
  if (query.environment) {
    where.push('(d.environment_id = ? OR d.environment_id IN (SELECT id FROM environments WHERE name = ?))');
    args.push(query.environment, query.environment);
  }
  if (query.status?.length) {
    where.push(`d.status IN (${query.status.map(() => '?').join(',')})`);
    args.push(...query.status);
  }
  if (query.user) {
    where.push('(d.user_id = ? OR d.user_id IN (SELECT id FROM users WHERE email = ?))');
    args.push(query.user, query.user.toLowerCase());
  }
  if (query.from !== undefined) {
    where.push('d.created_at >= ?');
    args.push(query.from);
  }
  if (query.to !== undefined) {
    where.push('d.created_at <= ?');
    args.push(query.to);
  }
  if (query.kind) {
    where.push('d.kind = ?');
    args.push(query.kind);
  }
  if (query.q) {
    const like = `%${likeEscape(query.q.toLowerCase())}%`;
    where.push("(LOWER(d.commit_message) LIKE ? ESCAPE '\\' OR d.commit_sha LIKE ? ESCAPE '\\' OR LOWER(d.commit_author) LIKE ? ESCAPE '\\')");
    args.push(like, `${likeEscape(query.q.toLowerCase())}%`, like);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [count, rows] = await Promise.all([
    db.execute({ sql: `SELECT COUNT(*) AS n FROM deployments d ${clause}`, args }),
    db.execute({
      sql: `SELECT d.*, ${RANK_SQL} AS rank, ${NAMES_SQL} FROM deployments d ${clause} ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?`,
      args: [...args, query.limit, (query.page - 1) * query.limit],
    }),
  ]);
  return { items: rows.rows.map((r) => toDeployment(r, Number(r.rank))), total: Number(count.rows[0]?.n ?? 0), page: query.page, limit: query.limit };
}
