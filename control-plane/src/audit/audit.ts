import type { Db } from '../db/client.js';

/** Who did it: a user id (`usr_…`), `agent:<id>`, or `system`. */
export type Actor = string;

export interface AuditEntry {
  id: number;
  at: number;
  actor: Actor;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
}

/** Filters for reading the log; `beforeId` pages backwards (newest first). */
export interface AuditFilter {
  actor?: string;
  /** An exact action (`user.create`) or a prefix ending in a dot (`user.`). */
  action?: string;
  target?: string;
  from?: number;
  to?: number;
  beforeId?: number;
}

const toEntry = (r: Record<string, unknown>): AuditEntry => ({
  id: Number(r.id),
  at: Number(r.at),
  actor: String(r.actor),
  action: String(r.action),
  target: r.target === null ? null : String(r.target),
  details: r.details === null ? null : (JSON.parse(String(r.details)) as Record<string, unknown>),
});

const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function where(f: AuditFilter): { sql: string; args: (string | number)[] } {
  const clauses: string[] = [];
  const args: (string | number)[] = [];
  if (f.actor) {
    // A user id, or an email looked up to its id; agents and `system` match literally.
    clauses.push('(actor = ? OR actor IN (SELECT id FROM users WHERE email = ?))');
    args.push(f.actor, f.actor.toLowerCase());
  }
  if (f.action) {
    if (f.action.endsWith('.')) {
      clauses.push("action LIKE ? ESCAPE '\\'");
      args.push(`${likeEscape(f.action)}%`);
    } else {
      clauses.push('action = ?');
      args.push(f.action);
    }
  }
  if (f.target) {
    clauses.push('target = ?');
    args.push(f.target);
  }
  if (f.from !== undefined) {
    clauses.push('at >= ?');
    args.push(f.from);
  }
  if (f.to !== undefined) {
    clauses.push('at <= ?');
    args.push(f.to);
  }
  if (f.beforeId !== undefined) {
    clauses.push('id < ?');
    args.push(f.beforeId);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', args };
}

/**
 * The audit log: every privileged action calls `record`. Append-only: there is no update or
 * delete here, and triggers (migration 022) refuse UPDATE and DELETE on the table itself.
 */
export class AuditLog {
  constructor(private readonly db: Db) {}

  async record(actor: Actor, action: string, target: string | null = null, details?: Record<string, unknown>): Promise<void> {
    await this.db.execute({
      sql: 'INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)',
      args: [Date.now(), actor, action, target, details ? JSON.stringify(details) : null],
    });
  }

  /** Newest first, at most `limit` entries. */
  async list(limit = 100, filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const w = where(filter);
    const rs = await this.db.execute({ sql: `SELECT * FROM audit_log ${w.sql} ORDER BY id DESC LIMIT ?`, args: [...w.args, limit] });
    return rs.rows.map(toEntry);
  }

  /** Every matching entry, oldest first, in pages (for the JSON-lines export: memory stays flat). */
  async *all(filter: Omit<AuditFilter, 'beforeId'> = {}, pageSize = 1000): AsyncGenerator<AuditEntry[]> {
    let afterId = 0;
    for (;;) {
      const w = where(filter);
      const rs = await this.db.execute({
        sql: `SELECT * FROM audit_log ${w.sql ? `${w.sql} AND` : 'WHERE'} id > ? ORDER BY id LIMIT ?`,
        args: [...w.args, afterId, pageSize],
      });
      if (rs.rows.length === 0) return;
      const page = rs.rows.map(toEntry);
      yield page;
      afterId = page[page.length - 1]!.id;
      if (page.length < pageSize) return;
    }
  }
}
