import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { DeploymentStore } from '../deployments/store.js';
import type { DeploymentQueue } from '../queue/service.js';
import { ORCHESTRATION_HEARTBEAT_MS } from '../orchestrator/execute.js';

/** Missed heartbeats before another instance adopts a deployment (4 x 2 s: a GC pause or a slow write is not death). */
export const STALE_AFTER_MS = 4 * ORCHESTRATION_HEARTBEAT_MS;
/** How often each instance looks for orphaned deployments; with the stale window this bounds takeover at ~10 s. */
export const SWEEP_MS = 1000;
/** A queued deployment this old with nothing running in its project lost its wake-up. */
const STUCK_AFTER_MS = 5000;

export interface TakeoverDeps {
  db: Db;
  store: Pick<DeploymentStore, 'get'>;
  queue: Pick<DeploymentQueue, 'adopt' | 'wake'>;
  instanceId: string;
  logger: Logger;
  staleAfterMs?: number;
  sweepMs?: number;
}

/**
 * Orchestration failover. Every instance sweeps the database for `running` deployments whose
 * owner stopped heartbeating (killed with -9, lost its network, or handed them over at
 * shutdown by clearing `heartbeat_at`) and adopts them: `DeploymentQueue.adopt` reclaims
 * atomically, so exactly one survivor wins, and resumes from the recorded steps (steps already
 * sent are awaited through the dispatcher, never sent twice).
 *
 * The database, not BullMQ, is the source here: the "process project queue" job ends as soon
 * as a deployment is claimed, so a job lock cannot say whether its orchestrator still lives.
 *
 * The same sweep re-wakes projects whose queue stalled: wake-ups are jobs, and jobs vanish
 * when Redis restarts without persistence or an instance closes its queue mid-shutdown.
 */
export class Takeover {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly staleAfterMs: number;

  constructor(private readonly d: TakeoverDeps) {
    this.staleAfterMs = d.staleAfterMs ?? STALE_AFTER_MS;
  }

  start(): void {
    if (this.timer) return;
    const every = this.d.sweepMs ?? SWEEP_MS;
    // Jitter so that instances booted together do not all sweep in the same millisecond.
    const tick = (): void => {
      this.timer = setTimeout(() => {
        this.sweeping = this.sweep()
          .then(() => undefined)
          .catch((err: unknown) => this.d.logger.warn('takeover sweep failed; retrying', { err }))
          .finally(() => {
            this.sweeping = undefined;
            if (this.timer) tick();
          });
      }, every / 2 + Math.random() * every);
      this.timer.unref();
    };
    tick();
  }

  /** Adopt every orphaned deployment this instance can win, then re-wake stalled queues; returns the ids adopted. */
  async sweep(): Promise<string[]> {
    const adopted = await this.adoptOrphans();
    await this.wakeStalled();
    return adopted;
  }

  private async adoptOrphans(): Promise<string[]> {
    const staleBefore = Date.now() - this.staleAfterMs;
    // Own claims are never "orphaned": this process runs them, or is starting them right now.
    const rs = await this.d.db.execute({
      sql: `SELECT id, claimed_by, heartbeat_at FROM deployments
            WHERE status = 'running' AND (claimed_by IS NULL OR claimed_by != ?) AND (heartbeat_at IS NULL OR heartbeat_at < ?)`,
      args: [this.d.instanceId, staleBefore],
    });
    const adopted: string[] = [];
    for (const row of rs.rows) {
      const id = String(row.id);
      const from = row.claimed_by === null ? 'no instance' : `instance ${String(row.claimed_by)}`;
      const silentFor = row.heartbeat_at === null ? 'handed over at shutdown' : `no heartbeat for ${Math.round((Date.now() - Number(row.heartbeat_at)) / 1000)} s`;
      const dep = await this.d.store.get(id);
      const won = await this.d.queue.adopt(dep, staleBefore, {
        resume: `taken over by instance ${this.d.instanceId} from ${from} (${silentFor}): resuming from the recorded steps`,
        replan: `taken over by instance ${this.d.instanceId} from ${from} (${silentFor}) before it was planned: planning it again`,
        unreadable: `taken over by instance ${this.d.instanceId} from ${from} (${silentFor})`,
      });
      if (won) {
        adopted.push(id);
        this.d.logger.warn('deployment taken over', { deploymentId: id, from: row.claimed_by, reason: silentFor });
      }
    }
    return adopted;
  }

  private async wakeStalled(): Promise<void> {
    const rs = await this.d.db.execute({
      sql: `SELECT DISTINCT q.project_id FROM deployments q
            WHERE q.status = 'queued' AND q.created_at < ?
              AND NOT EXISTS (SELECT 1 FROM deployments r WHERE r.project_id = q.project_id AND r.status = 'running')`,
      args: [Date.now() - STUCK_AFTER_MS],
    });
    for (const row of rs.rows) await this.d.queue.wake(String(row.project_id));
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }
}

/**
 * Shutdown: the deployments this instance detached (still `running`) lose their heartbeat, so a
 * surviving instance adopts them on its next sweep instead of waiting out the stale window.
 */
export async function handOver(db: Db, instanceId: string): Promise<number> {
  const rs = await db.execute({
    sql: "UPDATE deployments SET heartbeat_at = NULL WHERE status = 'running' AND claimed_by = ?",
    args: [instanceId],
  });
  return rs.rowsAffected;
}
