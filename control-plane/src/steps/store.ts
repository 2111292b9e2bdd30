import type { StepKind, StepResult, StepSpec } from '@devflow/protocol';
import type { Db } from '../db/client.js';

export type StepRowStatus = 'pending' | 'sent' | 'running' | StepResult['status'];

export interface StepRecord {
  id: string;
  agentId: string;
  deploymentId: string | null;
  kind: StepKind;
  /** Redacted (steps/redact.ts): never a secret value. */
  spec: StepSpec;
  status: StepRowStatus;
  cancelRequested: boolean;
  result: StepResult | null;
  logAckedSeq: number;
  createdAt: number;
  sentAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
}

const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const toRecord = (r: Record<string, unknown>): StepRecord => ({
  id: String(r.id),
  agentId: String(r.agent_id),
  deploymentId: r.deployment_id === null ? null : String(r.deployment_id),
  kind: String(r.kind) as StepKind,
  spec: JSON.parse(String(r.spec)) as StepSpec,
  status: String(r.status) as StepRowStatus,
  cancelRequested: Number(r.cancel_requested) === 1,
  result: r.result === null ? null : (JSON.parse(String(r.result)) as StepResult),
  logAckedSeq: Number(r.log_acked_seq),
  createdAt: Number(r.created_at),
  sentAt: optNum(r.sent_at),
  startedAt: optNum(r.started_at),
  finishedAt: optNum(r.finished_at),
});

/** The `steps` table: one row per step sent to an agent, its state and result. */
export class StepStore {
  constructor(private readonly db: Db) {}

  /**
   * `spec` is the redacted view (steps/redact.ts), the only one `find` and the API ever return;
   * `specSealed` the whole spec sealed, when it carries secrets (read back only to send it again).
   */
  async insert(step: { id: string; agentId: string; deploymentId?: string; spec: StepSpec; specSealed: string | null; secretsSealed: string | null }): Promise<void> {
    await this.db.execute({
      sql: `INSERT INTO steps (id, agent_id, deployment_id, kind, spec, spec_enc, secrets_enc, status, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
      args: [step.id, step.agentId, step.deploymentId ?? null, step.spec.kind, JSON.stringify(step.spec), step.specSealed, step.secretsSealed, Date.now()],
    });
  }

  /** The sealed whole spec and secrets of a step (for a re-send), null when it has none. */
  async sealed(id: string): Promise<{ spec: string | null; secrets: string | null }> {
    const row = (await this.db.execute({ sql: 'SELECT spec_enc, secrets_enc FROM steps WHERE id = ?', args: [id] })).rows[0];
    const opt = (v: unknown) => (v === null || v === undefined ? null : String(v));
    return { spec: opt(row?.spec_enc), secrets: opt(row?.secrets_enc) };
  }

  async find(id: string): Promise<StepRecord | null> {
    const row = (await this.db.execute({ sql: 'SELECT * FROM steps WHERE id = ?', args: [id] })).rows[0];
    return row ? toRecord(row) : null;
  }

  /** Owner of a step, or null when unknown (cheap check on every agent message). */
  async agentOf(id: string): Promise<string | null> {
    const row = (await this.db.execute({ sql: 'SELECT agent_id FROM steps WHERE id = ?', args: [id] })).rows[0];
    return row ? String(row.agent_id) : null;
  }

  /** The open steps of each of `agentIds` (oldest first); one query for all agents that connected at once. */
  async openForAgents(agentIds: readonly string[]): Promise<Map<string, StepRecord[]>> {
    const rs = await this.db.execute({
      sql: `SELECT * FROM steps WHERE agent_id IN (SELECT value FROM json_each(?)) AND status IN ('pending', 'sent', 'running') ORDER BY created_at`,
      args: [JSON.stringify(agentIds)],
    });
    const open = new Map(agentIds.map((id) => [id, [] as StepRecord[]]));
    for (const row of rs.rows) {
      const step = toRecord(row);
      open.get(step.agentId)?.push(step);
    }
    return open;
  }

  async listByDeployment(deploymentId: string): Promise<StepRecord[]> {
    const rs = await this.db.execute({ sql: 'SELECT * FROM steps WHERE deployment_id = ? ORDER BY created_at', args: [deploymentId] });
    return rs.rows.map(toRecord);
  }

  async markSent(id: string): Promise<void> {
    await this.db.execute({
      sql: "UPDATE steps SET status = CASE WHEN status = 'pending' THEN 'sent' ELSE status END, sent_at = ? WHERE id = ?",
      args: [Date.now(), id],
    });
  }

  async markStarted(id: string, startedAt: number): Promise<void> {
    await this.db.execute({
      sql: "UPDATE steps SET status = 'running', started_at = COALESCE(started_at, ?) WHERE id = ? AND status IN ('pending', 'sent')",
      args: [startedAt, id],
    });
  }

  async requestCancel(id: string): Promise<void> {
    await this.db.execute({ sql: 'UPDATE steps SET cancel_requested = 1 WHERE id = ?', args: [id] });
  }

  /** Record the result once; returns false when it was already recorded (a re-sent step.done). */
  async finish(id: string, result: StepResult): Promise<boolean> {
    const rs = await this.db.execute({
      sql: 'UPDATE steps SET status = ?, result = ?, finished_at = ? WHERE id = ? AND result IS NULL',
      args: [result.status, JSON.stringify(result), Date.now(), id],
    });
    return rs.rowsAffected > 0;
  }
}
