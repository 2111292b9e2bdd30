import cron, { type ScheduledTask } from 'node-cron';
import type { ScheduleDefinition, Scheduler } from '../../ports/scheduler.js';
import { PortError } from '../../ports/errors.js';
import { consoleLogger, describeError, type Logger } from '../../ports/logger.js';
import { assertSchedule, timezoneOf } from '../schedule-rules.js';

type FireHandler = (schedule: ScheduleDefinition, firedAt: Date) => Promise<void>;

/**
 * Embedded mode: one node-cron task per schedule in this process. One process means each
 * tick fires once; the owner re-upserts schedules from the database at boot.
 */
export class MemoryScheduler implements Scheduler {
  private readonly schedules = new Map<string, { definition: ScheduleDefinition; task: ScheduledTask }>();
  private handler: FireHandler | undefined;
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly logger: Logger = consoleLogger) {}

  async upsert(schedule: ScheduleDefinition): Promise<void> {
    if (this.closed) throw new PortError('closed', `Cannot upsert schedule ${JSON.stringify(schedule.id)}: the scheduler is closed.`);
    assertSchedule(schedule);
    const definition: ScheduleDefinition = { ...structuredClone(schedule), timezone: timezoneOf(schedule) };
    await this.remove(schedule.id);
    const task = cron.createTask(definition.cron, (context) => this.fire(definition, context.date), {
      name: `devflow:${definition.id}`,
      timezone: definition.timezone,
    });
    this.schedules.set(definition.id, { definition, task });
    await task.start();
  }

  async remove(id: string): Promise<void> {
    const existing = this.schedules.get(id);
    if (!existing) return;
    this.schedules.delete(id);
    await existing.task.destroy();
  }

  async list(): Promise<ScheduleDefinition[]> {
    return [...this.schedules.values()].map(({ definition }) => structuredClone(definition));
  }

  onFire(handler: FireHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.schedules.keys()].map((id) => this.remove(id)));
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private fire(definition: ScheduleDefinition, firedAt: Date): void {
    const handler = this.handler;
    if (!handler) {
      this.logger.warn('schedule fired before a handler was registered; tick skipped', { id: definition.id });
      return;
    }
    const run = handler(structuredClone(definition), firedAt)
      .catch((error: unknown) => this.logger.error('schedule handler failed', { id: definition.id, ...describeError(error) }))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }
}
