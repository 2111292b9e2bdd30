import type { Db } from '../db/client.js';
import { optNum, optStr, str } from '../db/client.js';
import type { FreezeWindow } from './types.js';

type Row = Record<string, unknown>;

const toWindow = (r: Row): FreezeWindow => ({
  id: str(r.id),
  projectId: str(r.project_id),
  environmentId: optStr(r.environment_id),
  environment: optStr(r.environment_name),
  kind: str(r.kind) as FreezeWindow['kind'],
  startsAt: optNum(r.starts_at),
  endsAt: optNum(r.ends_at),
  cron: optStr(r.cron),
  durationMinutes: optNum(r.duration_minutes),
  timezone: optStr(r.timezone),
  reason: str(r.reason),
  createdBy: str(r.created_by),
  createdAt: Number(r.created_at),
});

const SELECT = 'SELECT f.*, e.name AS environment_name FROM freeze_windows f LEFT JOIN environments e ON e.id = f.environment_id';

/** The `freeze_windows` table. */
export class FreezeStore {
  constructor(private readonly db: Db) {}

  async insert(w: Omit<FreezeWindow, 'environment'>): Promise<FreezeWindow> {
    await this.db.execute({
      sql: `INSERT INTO freeze_windows (id, project_id, environment_id, kind, starts_at, ends_at, cron, duration_minutes, timezone, reason, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [w.id, w.projectId, w.environmentId, w.kind, w.startsAt, w.endsAt, w.cron, w.durationMinutes, w.timezone, w.reason, w.createdBy, w.createdAt],
    });
    return (await this.find(w.projectId, w.id)) as FreezeWindow;
  }

  async find(projectId: string, id: string): Promise<FreezeWindow | null> {
    const row = (await this.db.execute({ sql: `${SELECT} WHERE f.project_id = ? AND f.id = ?`, args: [projectId, id] })).rows[0];
    return row ? toWindow(row) : null;
  }

  /** The project's windows; with an environment, those of the project as a whole and of that environment. */
  async list(projectId: string, environmentId?: string): Promise<FreezeWindow[]> {
    const rs = await this.db.execute({
      sql: `${SELECT} WHERE f.project_id = ? ${environmentId ? 'AND (f.environment_id IS NULL OR f.environment_id = ?)' : ''} ORDER BY f.created_at`,
      args: environmentId ? [projectId, environmentId] : [projectId],
    });
    return rs.rows.map(toWindow);
  }

  async remove(projectId: string, id: string): Promise<boolean> {
    const rs = await this.db.execute({ sql: 'DELETE FROM freeze_windows WHERE project_id = ? AND id = ?', args: [projectId, id] });
    return rs.rowsAffected > 0;
  }
}
