import type { AuditLog } from '../audit/audit.js';
import { assertSchedule } from '../adapters/schedule-rules.js';
import type { DeploymentRequests } from '../deployments/requests.js';
import type { EnvironmentService } from '../environments/service.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { PortError } from '../ports/errors.js';
import type { ScheduleDefinition, Scheduler } from '../ports/scheduler.js';
import type { ScheduleStore } from './store.js';
import { ScheduleInput, scheduleId, type EnvironmentSchedule, type ScheduleFire } from './types.js';
import { parseInput } from '../api/env.js';

export interface ScheduleDeps {
  store: ScheduleStore;
  scheduler: Scheduler;
  environments: Pick<EnvironmentService, 'get'>;
  requests: Pick<DeploymentRequests, 'deploy'>;
  audit: AuditLog;
  logger: Logger;
  instanceId: string;
}

/** Re-register schedules Redis lost (restart without persistence) this often. */
const RESYNC_MS = 30_000;

/**
 * Scheduled deployments. The database holds each environment's cron schedule; the Scheduler
 * port turns it into ticks (once per tick cluster-wide with Redis). A tick deploys the
 * environment's branch with trigger `schedule` through the same path as the API, so a locked
 * environment is recorded `skipped` with the lock's reason. Each tick is claimed in the
 * database first: delivered twice, it still creates one deployment.
 */
export class ScheduleService {
  private resync: NodeJS.Timeout | undefined;

  constructor(private readonly d: ScheduleDeps) {}

  /** Boot: handle ticks, register every stored schedule, drop registrations nobody stores, keep them in step. */
  async start(): Promise<void> {
    this.d.scheduler.onFire((schedule, firedAt) => this.fire(schedule, firedAt));
    await this.sync();
    this.resync = setInterval(() => void this.sync().catch((err: unknown) => this.d.logger.warn('schedule sync failed; retrying', { err })), RESYNC_MS);
    this.resync.unref();
  }

  stop(): void {
    clearInterval(this.resync);
  }

  async get(projectRef: string, envRef: string): Promise<{ schedule: EnvironmentSchedule | null; fires: ScheduleFire[] }> {
    const env = await this.d.environments.get(projectRef, envRef);
    return { schedule: await this.d.store.get(env.id), fires: await this.d.store.fires(env.id) };
  }

  async set(actor: string, projectRef: string, envRef: string, raw: ScheduleInput): Promise<EnvironmentSchedule> {
    const input = parseInput(ScheduleInput, raw);
    const env = await this.d.environments.get(projectRef, envRef);
    const definition: ScheduleDefinition = { id: scheduleId(env.id), cron: input.cron, timezone: input.timezone, data: { environmentId: env.id } };
    try {
      assertSchedule(definition);
    } catch (err) {
      if (!(err instanceof PortError)) throw err;
      const field = err.code === 'invalid_time_zone' ? 'timezone' : 'cron';
      throw new AppError('VALIDATION_FAILED', `${field}: ${err.message.replace(/^Schedule "[^"]*": /, '')}`, { field });
    }
    const saved = await this.d.store.put({ environmentId: env.id, cron: input.cron, timezone: input.timezone, enabled: input.enabled, updatedBy: actor });
    await this.register(saved);
    await this.d.audit.record(actor, 'environment.schedule', env.id, { cron: saved.cron, timezone: saved.timezone, enabled: saved.enabled });
    return saved;
  }

  async remove(actor: string, projectRef: string, envRef: string): Promise<void> {
    const env = await this.d.environments.get(projectRef, envRef);
    if (!(await this.d.store.remove(env.id))) throw new AppError('NOT_FOUND', `environment "${env.name}" has no schedule`, { environment: env.id });
    await this.d.scheduler.remove(scheduleId(env.id));
    await this.d.audit.record(actor, 'environment.unschedule', env.id);
  }

  /** Make the Scheduler hold exactly the enabled schedules of the database. */
  async sync(): Promise<void> {
    const stored = new Map((await this.d.store.list()).filter((s) => s.enabled).map((s) => [scheduleId(s.environmentId), s]));
    const registered = await this.d.scheduler.list();
    for (const r of registered) {
      const s = stored.get(r.id);
      if (!s) await this.d.scheduler.remove(r.id);
      else if (s.cron === r.cron && s.timezone === (r.timezone ?? 'UTC')) stored.delete(r.id);
    }
    for (const s of stored.values()) await this.register(s);
  }

  private async register(s: EnvironmentSchedule): Promise<void> {
    const id = scheduleId(s.environmentId);
    if (!s.enabled) return this.d.scheduler.remove(id);
    await this.d.scheduler.upsert({ id, cron: s.cron, timezone: s.timezone, data: { environmentId: s.environmentId } });
  }

  /** One tick: claim it, then deploy through the normal request path; the outcome is recorded with the tick. */
  async fire(schedule: ScheduleDefinition, firedAt: Date): Promise<void> {
    const environmentId = String(schedule.data.environmentId ?? '');
    const at = firedAt.getTime();
    if (!(await this.d.store.claimTick(environmentId, at, this.d.instanceId))) {
      this.d.logger.warn('schedule tick already handled', { environmentId, firedAt: firedAt.toISOString() });
      return;
    }
    this.d.logger.info('schedule fired', { environmentId, firedAt: firedAt.toISOString() });
    const current = await this.d.store.get(environmentId);
    if (!current?.enabled) {
      await this.d.store.recordTick(environmentId, at, { deploymentId: null, outcome: 'error', error: 'the schedule was removed or disabled' });
      return;
    }
    try {
      const out = await this.d.requests.deploy(`schedule:${scheduleId(environmentId)}`, current.projectId, environmentId, {}, 'schedule');
      await this.d.store.recordTick(environmentId, at, { deploymentId: out.deployment.id, outcome: out.outcome });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.d.logger.warn('scheduled deployment not created', { environmentId, firedAt: firedAt.toISOString(), error: message });
      await this.d.store.recordTick(environmentId, at, { deploymentId: null, outcome: 'error', error: message });
    }
  }
}
