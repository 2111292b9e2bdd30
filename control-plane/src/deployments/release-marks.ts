import type { AuditLog } from '../audit/audit.js';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';

export interface ReleaseMark {
  releaseId: string;
  markedBy: string;
  reason: string;
  markedAt: number;
}

/**
 * Explicit rollback targets: a maintainer marks a release that never went live (or was marked bad)
 * as one a rollback may re-activate, with a reason. Audited; removable.
 */
export class ReleaseMarks {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
  ) {}

  async mark(actor: string, environmentId: string, releaseId: string, reason: string): Promise<ReleaseMark> {
    const known = await this.db.execute({ sql: "SELECT 1 FROM releases WHERE environment_id = ? AND release_id = ? AND status <> 'pruned' LIMIT 1", args: [environmentId, releaseId] });
    if (known.rows.length === 0) throw new AppError('NOT_FOUND', `release "${releaseId}" is not on disk in this environment (see GET …/releases)`, { releaseId });
    const mark = { releaseId, markedBy: actor, reason, markedAt: Date.now() };
    await this.db.execute({
      sql: 'INSERT INTO release_marks (environment_id, release_id, marked_by, reason, marked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (environment_id, release_id) DO UPDATE SET marked_by = excluded.marked_by, reason = excluded.reason, marked_at = excluded.marked_at',
      args: [environmentId, releaseId, actor, reason, mark.markedAt],
    });
    await this.audit.record(actor, 'release.mark', releaseId, { environment: environmentId, reason });
    return mark;
  }

  async unmark(actor: string, environmentId: string, releaseId: string): Promise<void> {
    const rs = await this.db.execute({ sql: 'DELETE FROM release_marks WHERE environment_id = ? AND release_id = ?', args: [environmentId, releaseId] });
    if (rs.rowsAffected === 0) throw new AppError('NOT_FOUND', `release "${releaseId}" is not marked`, { releaseId });
    await this.audit.record(actor, 'release.unmark', releaseId, { environment: environmentId });
  }
}

/** Releases of the environment marked as rollback targets. */
export async function markedReleases(db: Db, environmentId: string): Promise<Set<string>> {
  const rs = await db.execute({ sql: 'SELECT release_id FROM release_marks WHERE environment_id = ?', args: [environmentId] });
  return new Set(rs.rows.map((r) => String(r.release_id)));
}
