/**
 * Cron schedules (scheduled deployments). Each schedule fires once per tick cluster-wide,
 * however many instances run: in-process adapter with node-cron in embedded mode, BullMQ job
 * schedulers with REDIS_URL.
 */
export interface ScheduleDefinition {
  /** Stable id, e.g. `env:<environmentId>`; upserting the same id replaces the schedule. */
  id: string;
  /** Five-field cron expression. */
  cron: string;
  /** IANA time zone, default UTC. */
  timezone?: string;
  data: Record<string, unknown>;
}

export interface Scheduler {
  upsert(schedule: ScheduleDefinition): Promise<void>;
  remove(id: string): Promise<void>;
  list(): Promise<ScheduleDefinition[]>;
  /** Called once per tick of each schedule, on one instance only. */
  onFire(handler: (schedule: ScheduleDefinition, firedAt: Date) => Promise<void>): void;
  close(): Promise<void>;
}
