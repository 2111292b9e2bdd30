import type { SlotWindow } from '@devflow/protocol';
import { num, optNum, optStr, str, type Db } from '../db/client.js';
import type { Verdict } from './analysis.js';

/**
 * What a progressive deployment did, in order: each weight set, each analysis window with its
 * figures, pauses, promote/abort requests (with who asked) and how it ended. The deployment page
 * and the history show it; a resumed orchestration continues from the last weight recorded, and
 * reads promote/abort requests from here (the bus only wakes it up).
 */
export type RolloutEventKind = 'weight' | 'window' | 'paused' | 'promote_requested' | 'abort_requested' | 'promoted' | 'aborted';

export interface RolloutFigures {
  canary: SlotWindow;
  baseline: SlotWindow;
}

export interface RolloutEvent {
  seq: number;
  at: number;
  kind: RolloutEventKind;
  /** Canary share in percent at that moment. */
  weight: number | null;
  verdict: Verdict | null;
  figures: RolloutFigures | null;
  message: string | null;
  /** Who asked (email), for requests. */
  actor: string | null;
}

export type NewRolloutEvent = Pick<RolloutEvent, 'kind'> & Partial<Omit<RolloutEvent, 'seq' | 'at' | 'kind'>>;

export class RolloutStore {
  constructor(private readonly db: Db) {}

  async append(deploymentId: string, e: NewRolloutEvent): Promise<RolloutEvent> {
    const at = Date.now();
    const rs = await this.db.execute({
      sql: `INSERT INTO rollout_events (deployment_id, seq, at, kind, weight, verdict, figures, message, actor)
            SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ? FROM rollout_events WHERE deployment_id = ?
            RETURNING seq`,
      args: [deploymentId, at, e.kind, e.weight ?? null, e.verdict ?? null, e.figures ? JSON.stringify(e.figures) : null, e.message ?? null, e.actor ?? null, deploymentId],
    });
    return { seq: num(rs.rows[0]?.seq), at, kind: e.kind, weight: e.weight ?? null, verdict: e.verdict ?? null, figures: e.figures ?? null, message: e.message ?? null, actor: e.actor ?? null };
  }

  async list(deploymentId: string): Promise<RolloutEvent[]> {
    const rs = await this.db.execute({ sql: 'SELECT * FROM rollout_events WHERE deployment_id = ? ORDER BY seq', args: [deploymentId] });
    return rs.rows.map((r) => ({
      seq: num(r.seq),
      at: num(r.at),
      kind: str(r.kind) as RolloutEventKind,
      weight: optNum(r.weight),
      verdict: optStr(r.verdict) as Verdict | null,
      figures: r.figures === null || r.figures === undefined ? null : (JSON.parse(str(r.figures)) as RolloutFigures),
      message: optStr(r.message),
      actor: optStr(r.actor),
    }));
  }
}

/**
 * What a person asked that the rollout has not acted on yet: an abort (final, whenever it came),
 * else a promote made since the last weight was set.
 */
export function pendingRequest(events: readonly RolloutEvent[]): RolloutEvent | null {
  const abort = events.find((e) => e.kind === 'abort_requested');
  if (abort) return abort;
  let promote: RolloutEvent | null = null;
  for (const e of events) {
    if (e.kind === 'promote_requested') promote = e;
    else if (e.kind === 'weight' || e.kind === 'promoted' || e.kind === 'aborted') promote = null;
  }
  return promote;
}
