/**
 * Cron schedules (scheduled deployments). Each schedule fires once per tick cluster-wide,
 * however many instances run: in-process adapter with node-cron in embedded mode, BullMQ job
 * schedulers with REDIS_URL.
 *
 * Memory: schedules live in the process; the owner re-upserts them from the database at boot.
 * Redis: schedules live in Redis; upserting the same definition from every instance at boot
 * is harmless. A tick is delivered to one instance that called `onFire` (at-least-once if
 * that instance dies mid-handler, so the handler must be idempotent per `firedAt`).
 */
export interface ScheduleDefinition {
  /** Stable id, e.g. `env:<environmentId>`; upserting the same id replaces the schedule. */
  id: string;
  /**
   * Cron expression: five fields (`min hour day-of-month month day-of-week`) or six with a
   * leading seconds field. Numbers, ranges, lists, steps (`*\/5`) and month/day names; no
   * `L`, `W`, `#` or `@daily` macros (node-cron and BullMQ disagree on those). Anything else
   * throws `PortError('invalid_cron')`.
   */
  cron: string;
  /** IANA time zone, default UTC. An unknown zone throws `PortError('invalid_time_zone')`. */
  timezone?: string;
  data: Record<string, unknown>;
}

export interface Scheduler {
  upsert(schedule: ScheduleDefinition): Promise<void>;
  remove(id: string): Promise<void>;
  list(): Promise<ScheduleDefinition[]>;
  /** Called once per tick of each schedule, on one instance only. `firedAt` is the tick's time. */
  onFire(handler: (schedule: ScheduleDefinition, firedAt: Date) => Promise<void>): void;
  close(): Promise<void>;
}
