import type { InStatement } from '@libsql/client';
import type { StepResult } from '@devflow/protocol';
import type { Db } from '../db/client.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { newId } from '../crypto/random.js';
import type { DeploymentPlan } from '../pipeline/plan.js';
import { toStepRow, toTarget } from './rows.js';
import type { DeploymentStepRow, DeploymentTarget, StepRowStatus, TargetStatus } from './types.js';

export interface PlanTarget {
  serverId: string;
  serverName: string;
}

/**
 * Execution state of a running deployment: its sealed plan, per-server targets and per-step
 * rows (each with the `steps` id it is dispatched under, fixed before sending, so a resumed
 * deployment finds the same step on the agent and never runs it twice).
 */
export class RunStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /** Store the plan and create targets + step rows, once (a resumed run reuses them). */
  async savePlan(deploymentId: string, plan: DeploymentPlan, targets: readonly PlanTarget[], variablesSnapshot: Record<string, string> | null): Promise<void> {
    const stmts: InStatement[] = [
      {
        sql: 'UPDATE deployments SET release_id = ?, plan_enc = ?, variables_enc = COALESCE(?, variables_enc) WHERE id = ?',
        args: [
          plan.releaseId,
          this.box.seal(JSON.stringify(plan), `plan:${deploymentId}`),
          variablesSnapshot ? this.box.seal(JSON.stringify(variablesSnapshot), `variables:${deploymentId}`) : null,
          deploymentId,
        ],
      },
    ];
    let ordinal = 0;
    plan.servers.forEach((server, position) => {
      const name = targets.find((t) => t.serverId === server.serverId)?.serverName ?? server.serverId;
      stmts.push({
        sql: "INSERT INTO deployment_targets (deployment_id, server_id, server_name, position, status) VALUES (?, ?, ?, ?, 'pending')",
        args: [deploymentId, server.serverId, name, position],
      });
      server.steps.forEach((step, idx) => {
        stmts.push({
          sql: `INSERT INTO deployment_steps (deployment_id, server_id, idx, ordinal, stage, phase, name, kind, step_id, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
          args: [deploymentId, server.serverId, idx, ordinal++, step.stage, step.phase, step.name.slice(0, 500), step.spec.kind, newId('stp')],
        });
      });
    });
    await this.db.batch(stmts, 'write');
  }

  async loadPlan(deploymentId: string): Promise<DeploymentPlan | null> {
    const row = (await this.db.execute({ sql: 'SELECT plan_enc FROM deployments WHERE id = ?', args: [deploymentId] })).rows[0];
    if (!row || row.plan_enc === null) return null;
    return JSON.parse(this.box.open(String(row.plan_enc), `plan:${deploymentId}`)) as DeploymentPlan;
  }

  async variablesSnapshot(deploymentId: string): Promise<Record<string, string> | null> {
    const row = (await this.db.execute({ sql: 'SELECT variables_enc FROM deployments WHERE id = ?', args: [deploymentId] })).rows[0];
    if (!row || row.variables_enc === null) return null;
    return JSON.parse(this.box.open(String(row.variables_enc), `variables:${deploymentId}`)) as Record<string, string>;
  }

  async targets(deploymentId: string): Promise<DeploymentTarget[]> {
    const rs = await this.db.execute({ sql: 'SELECT * FROM deployment_targets WHERE deployment_id = ? ORDER BY position', args: [deploymentId] });
    return rs.rows.map(toTarget);
  }

  async steps(deploymentId: string, serverId?: string): Promise<DeploymentStepRow[]> {
    const rs = await this.db.execute({
      sql: `SELECT * FROM deployment_steps WHERE deployment_id = ? ${serverId ? 'AND server_id = ?' : ''} ORDER BY ordinal`,
      args: serverId ? [deploymentId, serverId] : [deploymentId],
    });
    return rs.rows.map(toStepRow);
  }

  async setTarget(deploymentId: string, serverId: string, status: TargetStatus): Promise<void> {
    const now = Date.now();
    const final = !['pending', 'running', 'staged'].includes(status);
    await this.db.execute({
      sql: `UPDATE deployment_targets SET status = ?, started_at = COALESCE(started_at, ?), finished_at = ${final ? '?' : 'finished_at'}
            WHERE deployment_id = ? AND server_id = ?`,
      args: final ? [status, now, now, deploymentId, serverId] : [status, now, deploymentId, serverId],
    });
  }

  async stepRunning(deploymentId: string, serverId: string, idx: number): Promise<void> {
    await this.db.execute({
      sql: "UPDATE deployment_steps SET status = 'running', started_at = COALESCE(started_at, ?) WHERE deployment_id = ? AND server_id = ? AND idx = ? AND status = 'pending'",
      args: [Date.now(), deploymentId, serverId, idx],
    });
  }

  async stepDone(deploymentId: string, serverId: string, idx: number, result: StepResult): Promise<void> {
    await this.db.execute({
      sql: `UPDATE deployment_steps SET status = ?, exit_code = ?, error = ?, finished_at = ?, started_at = COALESCE(started_at, ?)
            WHERE deployment_id = ? AND server_id = ? AND idx = ?`,
      args: [result.status, result.exitCode, result.error ?? null, Date.now(), Date.now() - Math.round(result.durationMs), deploymentId, serverId, idx],
    });
  }

  async stepSkipped(deploymentId: string, serverId: string, idx: number, reason: string, status: StepRowStatus = 'skipped'): Promise<void> {
    await this.db.execute({
      sql: "UPDATE deployment_steps SET status = ?, skip_reason = ? WHERE deployment_id = ? AND server_id = ? AND idx = ? AND status IN ('pending', 'running')",
      args: [status, reason, deploymentId, serverId, idx],
    });
  }

  /** Steps never reached (deployment failed/cancelled earlier) are marked so the record is complete. */
  async skipPending(deploymentId: string, reason: string): Promise<void> {
    await this.db.execute({
      sql: "UPDATE deployment_steps SET status = 'skipped', skip_reason = ? WHERE deployment_id = ? AND status = 'pending'",
      args: [reason, deploymentId],
    });
  }
}
