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

/** The audit log: every privileged action calls `record` (append-only). */
export class AuditLog {
  constructor(private readonly db: Db) {}

  async record(actor: Actor, action: string, target: string | null = null, details?: Record<string, unknown>): Promise<void> {
    await this.db.execute({
      sql: 'INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)',
      args: [Date.now(), actor, action, target, details ? JSON.stringify(details) : null],
    });
  }

  async list(limit = 100, beforeId?: number): Promise<AuditEntry[]> {
    const rs = await this.db.execute({
      sql: `SELECT * FROM audit_log ${beforeId ? 'WHERE id < ?' : ''} ORDER BY id DESC LIMIT ?`,
      args: beforeId ? [beforeId, limit] : [limit],
    });
    return rs.rows.map((r) => ({
      id: Number(r.id),
      at: Number(r.at),
      actor: String(r.actor),
      action: String(r.action),
      target: r.target === null ? null : String(r.target),
      details: r.details === null ? null : (JSON.parse(String(r.details)) as Record<string, unknown>),
    }));
  }
}
