import type { Logger } from '../logger.js';
import type { JobQueue } from '../ports/job-queue.js';
import { AppError } from '../errors.js';
import type { DeploymentStore } from '../deployments/store.js';
import type { DeploymentLog } from '../deployments/log.js';
import type { RunStore } from '../deployments/run-store.js';
import type { Deployment } from '../deployments/types.js';
import type { EnginePublisher } from '../events/publish.js';
import type { Orchestrator } from '../orchestrator/execute.js';

export const PROCESS_QUEUE_JOB = 'deployments.process-queue';
/** A running deployment whose heartbeat is older than this belongs to a dead instance. */
const STALE_MS = 30_000;

export interface QueueDeps {
  store: DeploymentStore;
  runs: RunStore;
  log: DeploymentLog;
  jobs: JobQueue;
  publish: EnginePublisher;
  orchestrator: Orchestrator;
  /** Build and store the plan of a claimed deployment (throws a message for the log). */
  prepare(dep: Deployment): Promise<unknown>;
  logger: Logger;
  instanceId: string;
  /**
   * Several instances share the database (REDIS_URL): at boot take over only deployments whose
   * heartbeat is stale (lifecycle/takeover.ts sweeps later). Embedded: every running deployment
   * at boot was this process's before it restarted, however fresh its heartbeat.
   */
  shared: boolean;
}

/**
 * The per-project FIFO: one running deployment per project, claimed atomically in the
 * database; the JobQueue only carries "look at project X" wake-ups (deduplicated per project),
 * so a lost wake-up costs nothing but time and boot recovery replays them all.
 */
export class DeploymentQueue {
  private readonly shutdown = new AbortController();
  private readonly active = new Map<string, Promise<void>>();

  constructor(private readonly d: QueueDeps) {}

  start(): void {
    this.d.jobs.process<{ projectId: string }>(PROCESS_QUEUE_JOB, (job) => this.claim(job.data.projectId), { concurrency: 16 });
  }

  async wake(projectId: string): Promise<void> {
    if (this.shutdown.signal.aborted) return;
    await this.d.jobs.add(PROCESS_QUEUE_JOB, { projectId }, { jobId: projectId });
  }

  /** Ids of deployments this instance is executing now. */
  get running(): string[] {
    return [...this.active.keys()];
  }

  private async claim(projectId: string): Promise<void> {
    if (this.shutdown.signal.aborted) return;
    const id = await this.d.store.claimNext(projectId, this.d.instanceId);
    if (!id) return;
    const dep = await this.d.store.get(id);
    await this.d.publish.status(dep);
    await this.d.publish.queue(projectId);
    this.launch(dep, true);
  }

  private launch(dep: Deployment, fresh: boolean): void {
    const run = this.runOne(dep, fresh)
      .catch((err: unknown) => this.d.logger.error('deployment run failed', { deploymentId: dep.id, err }))
      .finally(() => {
        this.active.delete(dep.id);
        void this.wake(dep.projectId).catch(() => undefined);
      });
    this.active.set(dep.id, run);
  }

  private async runOne(dep: Deployment, fresh: boolean): Promise<void> {
    const { orchestrator, log } = this.d;
    try {
      if (fresh || (await this.d.runs.loadPlan(dep.id)) === null) await this.d.prepare(dep);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof AppError)) this.d.logger.error('deployment preparation failed', { deploymentId: dep.id, err });
      await log.write(dep.id, message, 'stderr');
      await orchestrator.finish(dep, 'failed', err instanceof AppError ? message.split('\n')[0] ?? message : 'internal error while planning the deployment; see the control-plane log');
      return;
    }
    await orchestrator.execute(dep.id, this.shutdown.signal);
  }

  /**
   * Boot: running deployments of a dead instance (or of this one before a restart) are resumed
   * from their stored plan and step records, or failed with the reason; every project with
   * queued work gets a wake-up.
   */
  async recover(): Promise<void> {
    const staleBefore = this.d.shared ? Date.now() - STALE_MS : Number.MAX_SAFE_INTEGER;
    for (const dep of await this.d.store.running()) {
      await this.adopt(dep, staleBefore, {
        resume: 'control plane restarted: resuming the deployment from its recorded steps',
        replan: 'control plane restarted before the deployment was planned: planning it again',
        unreadable: 'control plane restarted while the deployment was running',
      });
    }
    for (const projectId of await this.d.store.projectsWithQueued()) await this.wake(projectId);
  }

  /**
   * Take over one running deployment whose owner stopped heartbeating before `staleBefore`
   * (boot recovery, or lifecycle/takeover.ts when another instance died): resumed from its
   * stored plan and step records, or failed with the reason. False when another instance holds it.
   */
  async adopt(dep: Deployment, staleBefore: number, notes: { resume: string; replan: string; unreadable: string }): Promise<boolean> {
    if (this.shutdown.signal.aborted || this.active.has(dep.id)) return false;
    if (!(await this.d.store.reclaim(dep.id, this.d.instanceId, staleBefore))) return false;
    let hasPlan = false;
    try {
      hasPlan = (await this.d.runs.loadPlan(dep.id)) !== null;
    } catch (err) {
      await this.d.orchestrator.finish(dep, 'failed', `${notes.unreadable}, and its stored plan cannot be read (${(err as Error).message})`);
      return true;
    }
    await this.d.log.write(dep.id, hasPlan ? notes.resume : notes.replan);
    this.launch(dep, !hasPlan);
    return true;
  }

  /** Cancel a queued deployment at once, or ask the instance running it to stop. */
  async cancel(id: string, by: string): Promise<Deployment> {
    const dep = await this.d.store.get(id);
    const reason = `cancelled by ${by}`;
    if (dep.status === 'queued') {
      if (await this.d.store.cancelQueued(id, reason)) {
        await this.d.log.write(id, `deployment cancelled while queued (${reason})`);
        const now = await this.d.store.get(id);
        await this.d.publish.status(now);
        await this.d.publish.queue(dep.projectId);
        return now;
      }
      return this.cancel(id, by); // claimed meanwhile: cancel the run instead
    }
    if (dep.status === 'pending_approval') {
      // The requester withdraws it before anyone approved (approvals/).
      if (await this.d.store.finish(id, 'cancelled', reason)) {
        await this.d.log.write(id, `deployment cancelled while waiting for approval (${reason})`);
        const now = await this.d.store.get(id);
        await this.d.publish.status(now);
        return now;
      }
      return this.cancel(id, by); // approved (queued) or rejected meanwhile
    }
    if (dep.status === 'running') {
      await this.d.store.requestCancel(id, reason);
      await this.d.publish.cancel(id, reason);
      return this.d.store.get(id);
    }
    throw new AppError('CONFLICT', `deployment ${id} is ${dep.status}; only pending, queued or running deployments can be cancelled`, { status: dep.status });
  }

  async reorder(projectId: string, ids: readonly string[]): Promise<Deployment[]> {
    const queued = (await this.d.store.queue(projectId)).filter((d) => d.status === 'queued');
    const unknown = ids.filter((id) => !queued.some((d) => d.id === id));
    if (unknown.length > 0) throw new AppError('VALIDATION_FAILED', `deploymentIds: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not queued in this project`, { field: 'deploymentIds', unknown });
    await this.d.store.reorder(projectId, ids);
    await this.d.publish.queue(projectId);
    return this.d.store.queue(projectId);
  }

  /** Stop taking work; running deployments stay `running` in the database for the next boot. */
  async close(): Promise<void> {
    this.shutdown.abort();
    await Promise.all(this.active.values());
    // Detached runs can be taken over at once by the next boot or another instance.
    await this.d.store.release(this.d.instanceId);
  }
}
