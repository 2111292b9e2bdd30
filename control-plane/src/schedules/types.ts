import { z } from 'zod';

/** `PUT .../environments/:env/schedule`: when the environment deploys its branch on its own. */
export const ScheduleInput = z
  .object({
    /** Five fields (`min hour dom month dow`) or six with leading seconds; no `@daily`, `L`, `W`, `#`. */
    cron: z.string().trim().min(1, 'a cron expression, e.g. "0 3 * * MON-FRI"').max(200),
    /** IANA time zone, default UTC. */
    timezone: z.string().trim().min(1).max(100).default('UTC'),
    enabled: z.boolean().default(true),
  })
  .strict();
export type ScheduleInput = z.input<typeof ScheduleInput>;

export interface EnvironmentSchedule {
  environmentId: string;
  projectId: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  updatedBy: string | null;
  updatedAt: number;
}

/** One handled tick: what it did. */
export interface ScheduleFire {
  environmentId: string;
  firedAt: number;
  deploymentId: string | null;
  /** `queued`, `merged`, `skipped`, `failed` (the deployment's outcome) or `error` (no deployment: see `error`). */
  outcome: string;
  error: string | null;
  handledBy: string;
}

/** The Scheduler port's id for an environment's schedule. */
export const scheduleId = (environmentId: string): string => `env:${environmentId}`;
