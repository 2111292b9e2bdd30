import { Queue, Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ScheduleDefinition, Scheduler } from '../../ports/scheduler.js';
import { PortError } from '../../ports/errors.js';
import { describeError, type Logger } from '../../ports/logger.js';
import { assertSchedule, timezoneOf } from '../schedule-rules.js';
import { closeRedis, openRedis } from './connection.js';
import { STALL_TUNING } from './stall-tuning.js';

const QUEUE = 'ticks';

type FireHandler = (schedule: ScheduleDefinition, firedAt: Date) => Promise<void>;

/**
 * Scale-out scheduler on BullMQ job schedulers. Redis holds each schedule once and creates
 * one job per tick with an id derived from the schedule id and tick time, so every instance
 * may upsert the same schedule and the tick still becomes one job, run by one worker.
 */
export class RedisScheduler implements Scheduler {
  private readonly connection: Redis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private closed = false;

  constructor(
    url: string,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.connection = openRedis(url, `${prefix}:schedules`, logger);
    this.queue = new Queue(QUEUE, { connection: this.connection, prefix: `${prefix}:schedules` });
    this.queue.on('error', (error) => logger.warn('scheduler queue error', describeError(error)));
  }

  async upsert(schedule: ScheduleDefinition): Promise<void> {
    this.assertOpen(schedule.id);
    assertSchedule(schedule);
    const definition: ScheduleDefinition = { id: schedule.id, cron: schedule.cron, timezone: timezoneOf(schedule), data: schedule.data };
    await this.queue.upsertJobScheduler(
      schedule.id,
      { pattern: schedule.cron, tz: definition.timezone },
      { name: 'tick', data: definition, opts: { removeOnComplete: true, removeOnFail: { count: 100 } } },
    );
  }

  async remove(id: string): Promise<void> {
    this.assertOpen(id);
    await this.queue.removeJobScheduler(id);
  }

  async list(): Promise<ScheduleDefinition[]> {
    const schedulers = await this.queue.getJobSchedulers(0, -1, true);
    return schedulers.flatMap((scheduler) => {
      const definition = scheduler.template?.data as ScheduleDefinition | undefined;
      return definition ? [definition] : [];
    });
  }

  onFire(handler: FireHandler): void {
    if (this.worker) throw new PortError('handler_already_registered', 'A schedule handler is already registered on this instance.');
    this.worker = new Worker(QUEUE, (job: BullJob) => this.fire(job, handler), {
      connection: this.connection,
      prefix: this.queue.opts.prefix,
      concurrency: 4,
      ...STALL_TUNING,
    });
    this.worker.on('error', (error) => this.logger.warn('scheduler worker error', describeError(error)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker?.close();
    await this.queue.close();
    await closeRedis(this.connection);
  }

  private async fire(job: BullJob, handler: FireHandler): Promise<void> {
    const definition = job.data as ScheduleDefinition;
    const firedAt = tickTime(job);
    try {
      await handler(definition, firedAt);
    } catch (error) {
      // A tick is not retried: the next one comes soon, and a half-started deployment is worse.
      this.logger.error('schedule handler failed', { id: definition.id, firedAt: firedAt.toISOString(), ...describeError(error) });
    }
  }

  private assertOpen(id: string): void {
    if (this.closed) throw new PortError('closed', `Scheduler is closed (schedule ${JSON.stringify(id)}).`);
  }
}

/** BullMQ names a scheduler's job `repeat:<scheduler id>:<tick millis>`; the tick is the last part. */
function tickTime(job: BullJob): Date {
  const millis = Number(String(job.id).split(':').pop());
  return new Date(Number.isFinite(millis) && millis > 0 ? millis : (job.processedOn ?? Date.now()));
}
