import type { LogStream } from '@devflow/protocol';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import type { EventBus } from '../ports/event-bus.js';
import { deploymentTopic, type DeploymentEvent } from '../events/topics.js';

/** One line of a deployment's log, with where it came from. */
export interface DeploymentLogLine {
  /** `devflow` for the control plane's own lines. */
  server: string;
  serverId: string | null;
  /** Step name, or null for control-plane lines. */
  step: string | null;
  stage: string | null;
  stepId: string | null;
  seq: number;
  stream: LogStream;
  ts: number;
  text: string;
}

/**
 * A cursor is the position in every step's log at once (steps run in parallel on several
 * servers, so one counter cannot order them): `s:<seq>` for control-plane lines and
 * `<ordinal>:<seq>` per deployment step, e.g. `s:2,0:41,3:7`. Opaque to clients.
 */
export type Cursor = Map<string, number>;

export function parseCursor(text: string | undefined | null): Cursor {
  const cursor: Cursor = new Map();
  if (!text) return cursor;
  for (const part of text.split(',')) {
    const m = /^(s|\d{1,6}):(\d{1,12})$/.exec(part.trim());
    if (!m?.[1] || !m[2]) throw new AppError('VALIDATION_FAILED', `after: "${text.slice(0, 80)}" is not a log cursor (use the "next" value of a previous page)`, { field: 'after' });
    cursor.set(m[1], Number(m[2]));
  }
  return cursor;
}

export const formatCursor = (cursor: Cursor): string => [...cursor].map(([k, v]) => `${k}:${v}`).join(',');

/** Control-plane lines are stored in `log_lines` under the deployment's own id. */
export class DeploymentLog {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
  ) {}

  /** Append control-plane lines (e.g. a devflow.yml validation error) to the deployment log. */
  async write(deploymentId: string, text: string, stream: LogStream = 'system'): Promise<void> {
    const lines = text.split('\n');
    const rs = await this.db.execute({
      sql: 'UPDATE deployments SET log_seq = log_seq + ? WHERE id = ? RETURNING log_seq',
      args: [lines.length, deploymentId],
    });
    const last = Number(rs.rows[0]?.log_seq ?? lines.length);
    const now = Date.now();
    await this.db.batch(
      lines.map((line, i) => ({
        sql: 'INSERT OR IGNORE INTO log_lines (step_id, seq, stream, ts, text) VALUES (?, ?, ?, ?, ?)',
        args: [deploymentId, last - lines.length + i + 1, stream, now, line],
      })),
      'write',
    );
    const event: DeploymentEvent = { type: 'deployment.log', deploymentId, at: now };
    await this.bus.publish(deploymentTopic(deploymentId), event);
  }

  /**
   * Lines after `cursor`, oldest first across servers, and the cursor after them. Only the
   * contiguous prefix of each step's lines is read (`log_acked_seq`), so a line arriving late
   * after a reconnect is never skipped.
   */
  async read(deploymentId: string, cursor: Cursor, limit: number): Promise<{ lines: DeploymentLogLine[]; next: Cursor }> {
    const steps = await this.db.execute({
      sql: `SELECT ds.ordinal, ds.step_id, ds.name, ds.stage, ds.server_id, t.server_name, COALESCE(s.log_acked_seq, 0) AS acked
            FROM deployment_steps ds
            JOIN deployment_targets t ON t.deployment_id = ds.deployment_id AND t.server_id = ds.server_id
            LEFT JOIN steps s ON s.id = ds.step_id
            WHERE ds.deployment_id = ? ORDER BY ds.ordinal`,
      args: [deploymentId],
    });
    const own = (await this.db.execute({ sql: 'SELECT log_seq FROM deployments WHERE id = ?', args: [deploymentId] })).rows[0];
    const sources = [
      { key: 's', stepId: deploymentId, upTo: Number(own?.log_seq ?? 0), server: 'devflow', serverId: null, step: null, stage: null },
      ...steps.rows.map((r) => ({
        key: String(r.ordinal),
        stepId: String(r.step_id),
        upTo: Number(r.acked),
        server: String(r.server_name),
        serverId: String(r.server_id),
        step: String(r.name),
        stage: String(r.stage),
      })),
    ].filter((src) => src.upTo > (cursor.get(src.key) ?? 0));
    const next: Cursor = new Map(cursor);
    if (sources.length === 0) return { lines: [], next };

    const where = sources.map(() => '(step_id = ? AND seq > ? AND seq <= ?)').join(' OR ');
    const rs = await this.db.execute({
      sql: `SELECT step_id, seq, stream, ts, text FROM log_lines WHERE ${where} ORDER BY ts, step_id, seq LIMIT ?`,
      args: [...sources.flatMap((src) => [src.stepId, cursor.get(src.key) ?? 0, src.upTo]), limit],
    });
    const byStep = new Map(sources.map((src) => [src.stepId, src]));
    const lines = rs.rows.map((r): DeploymentLogLine => {
      const src = byStep.get(String(r.step_id));
      const seq = Number(r.seq);
      if (src) next.set(src.key, Math.max(next.get(src.key) ?? 0, seq));
      return {
        server: src?.server ?? 'devflow',
        serverId: src?.serverId ?? null,
        step: src?.step ?? null,
        stage: src?.stage ?? null,
        stepId: src?.serverId ? String(r.step_id) : null,
        seq,
        stream: String(r.stream) as LogStream,
        ts: Number(r.ts),
        text: String(r.text),
      };
    });
    return { lines, next };
  }

  /** The last `n` lines of one step, oldest first (a failure's "last lines"). */
  async tail(stepId: string, n = 20): Promise<string[]> {
    const rs = await this.db.execute({ sql: 'SELECT text FROM log_lines WHERE step_id = ? ORDER BY seq DESC LIMIT ?', args: [stepId, n] });
    return rs.rows.map((r) => String(r.text)).reverse();
  }

  /** The text download's line format: `[server] [stage] step | text`. */
  static formatText(l: DeploymentLogLine): string {
    return l.step === null ? `[${l.server}] ${l.text}` : `[${l.server}] [${l.stage}] ${l.step} | ${l.text}`;
  }
}
