import type { Db } from '../db/client.js';
import type { EnvironmentSchedule, ScheduleFire } from './types.js';

type Row = Record<string, unknown>;

const SELECT = 'SELECT s.*, e.project_id FROM environment_schedules s JOIN environments e ON e.id = s.environment_id';

const toSchedule = (r: Row): EnvironmentSchedule => ({
  environmentId: String(r.environment_id),
  projectId: String(r.project_id),
  cron: String(r.cron),
  timezone: String(r.timezone),
  enabled: Number(r.enabled) === 1,
  updatedBy: r.updated_by === null || r.updated_by === undefined ? null : String(r.updated_by),
  updatedAt: Number(r.updated_at),
});

/** `environment_schedules` and `schedule_fires`: the record of truth; the Scheduler port only carries ticks. */
export class ScheduleStore {
  constructor(private readonly db: Db) {}

  async get(environmentId: string): Promise<EnvironmentSchedule | null> {
    const rs = await this.db.execute({ sql: `${SELECT} WHERE s.environment_id = ?`, args: [environmentId] });
    return rs.rows[0] ? toSchedule(rs.rows[0]) : null;
  }

  async list(): Promise<EnvironmentSchedule[]> {
    return (await this.db.execute(`${SELECT} ORDER BY s.environment_id`)).rows.map(toSchedule);
  }

  async put(s: Omit<EnvironmentSchedule, 'updatedAt' | 'projectId'>): Promise<EnvironmentSchedule> {
    await this.db.execute({
      sql: `INSERT INTO environment_schedules (environment_id, cron, timezone, enabled, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (environment_id) DO UPDATE SET cron = excluded.cron, timezone = excluded.timezone, enabled = excluded.enabled,
              updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      args: [s.environmentId, s.cron, s.timezone, s.enabled ? 1 : 0, s.updatedBy, Date.now()],
    });
    return (await this.get(s.environmentId))!;
  }

  async remove(environmentId: string): Promise<boolean> {
    const rs = await this.db.execute({ sql: 'DELETE FROM environment_schedules WHERE environment_id = ?', args: [environmentId] });
    return rs.rowsAffected > 0;
  }

  /**
   * Claim a tick: true for the first instance that handles it, false for a repeat delivery.
   * One INSERT on a primary key, so two instances can never both win.
   */
  async claimTick(environmentId: string, firedAt: number, handledBy: string): Promise<boolean> {
    const rs = await this.db.execute({
      sql: "INSERT OR IGNORE INTO schedule_fires (environment_id, fired_at, outcome, handled_by, handled_at) VALUES (?, ?, 'pending', ?, ?)",
      args: [environmentId, firedAt, handledBy, Date.now()],
    });
    return rs.rowsAffected > 0;
  }

  async recordTick(environmentId: string, firedAt: number, result: { deploymentId: string | null; outcome: string; error?: string }): Promise<void> {
    await this.db.execute({
      sql: 'UPDATE schedule_fires SET deployment_id = ?, outcome = ?, error = ? WHERE environment_id = ? AND fired_at = ?',
      args: [result.deploymentId, result.outcome, result.error ?? null, environmentId, firedAt],
    });
  }

  async fires(environmentId: string, limit = 50): Promise<ScheduleFire[]> {
    const rs = await this.db.execute({ sql: 'SELECT * FROM schedule_fires WHERE environment_id = ? ORDER BY fired_at DESC LIMIT ?', args: [environmentId, limit] });
    return rs.rows.map((r) => ({
      environmentId: String(r.environment_id),
      firedAt: Number(r.fired_at),
      deploymentId: r.deployment_id === null ? null : String(r.deployment_id),
      outcome: String(r.outcome),
      error: r.error === null ? null : String(r.error),
      handledBy: String(r.handled_by),
    }));
  }
}
