import { z } from 'zod';
import { DEPLOYMENT_STATUSES } from '../../deployments/types.js';

/** A date as ISO 8601 (`2024-05-01`, `2024-05-01T10:00:00Z`) or epoch milliseconds. */
const Instant = z.string().transform((v, ctx) => {
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'a date (ISO 8601 like 2024-05-01 or 2024-05-01T10:00:00Z, or epoch milliseconds)' });
    return z.NEVER;
  }
  // A bare date as the end of a range means the whole day.
  return { ms, dateOnly: /^\d{4}-\d{2}-\d{2}$/.test(v) };
});

export const BUCKETS = ['hour', 'day', 'week', 'month'] as const;
export type BucketSize = (typeof BUCKETS)[number];

/** `GET /api/metrics` query. */
export const MetricsQuery = z.object({
  /** Project id or name. */
  project: z.string().min(1).max(128).optional(),
  /** Environment id or name. */
  environment: z.string().min(1).max(128).optional(),
  /** Start of the range (inclusive); default 48 hours (hour), 30 days (day), 12 weeks (week) or 12 months (month) before `to`. */
  from: Instant.optional(),
  /** End of the range (inclusive; a bare date means the end of that day); default now. */
  to: Instant.optional(),
  /** Weeks start on Monday, months on the 1st, both at local midnight per utcOffset. */
  bucket: z.enum(BUCKETS).default('day'),
  /** Minutes east of UTC where day, week and month buckets start (the console sends the browser's offset). */
  utcOffset: z.coerce.number().int().min(-840).max(840).default(0),
});
export type MetricsQuery = z.infer<typeof MetricsQuery>;

const count = z.number().int().min(0);
const seconds = z.number().min(0).nullable();

/** Figures for one bucket or for the whole range. */
export const MetricsStats = z.object({
  /** Every deployment created in the period (any kind, any status). */
  deployments: count,
  /** The same deployments by status (every status present, 0 when none). */
  byStatus: z.object(Object.fromEntries(DEPLOYMENT_STATUSES.map((s) => [s, count])) as Record<(typeof DEPLOYMENT_STATUSES)[number], typeof count>),
  /** succeeded / (succeeded + failed + timed_out) over deploys (not rollbacks); null when none finished. */
  successRate: z.number().min(0).max(1).nullable(),
  /** Start-to-finish duration of finished deploys (succeeded, failed, timed out), linear-interpolated percentiles. */
  durationP50Seconds: seconds,
  durationP95Seconds: seconds,
  /** Mean of the same durations. */
  durationMeanSeconds: seconds,
  /** Rollback deployments created in the period. */
  rollbacks: count,
  /** Failures in the period that a later succeeded deployment of the same environment recovered. */
  recoveries: count,
  /** Mean time from the first failed deployment of an incident to the next succeeded one in the same environment. */
  mttrSeconds: seconds,
});
export type MetricsStats = z.infer<typeof MetricsStats>;

export const FailureReason = z.object({
  /** The pipeline stage of the failed step; null when it failed before any step ran (pre-flight, planning, agent away). */
  stage: z.string().nullable(),
  /** The step's error, its exit code, or the first line of the deployment's reason. */
  error: z.string(),
  count,
  /** The most recent deployment that failed this way. */
  lastDeploymentId: z.string(),
});

export const MetricsBucket = MetricsStats.extend({ start: z.string().describe('ISO 8601 start of the bucket') });
export type MetricsBucket = z.infer<typeof MetricsBucket>;

/** `GET /api/metrics` answer. */
export const MetricsSummary = z.object({
  from: z.string(),
  to: z.string(),
  bucket: z.enum(BUCKETS),
  utcOffset: z.number().int(),
  totals: MetricsStats.extend({
    /** Succeeded deploys per day over the range (DORA deployment frequency). */
    deploysPerDay: z.number().min(0),
    /** Environments whose latest finished deployment failed and has not been recovered yet. */
    openIncidents: count,
  }),
  /** Failed and timed-out deployments grouped by the stage and error they failed with, most frequent first (top 10). */
  failureReasons: z.array(FailureReason),
  /** Projects by deployments created in the range, most first (top 10). */
  topProjects: z.array(z.object({ projectId: z.string(), projectName: z.string(), deployments: count })),
  /** Who requested the deployments (user, webhook pusher, schedule), most first (top 10). */
  topDeployers: z.array(z.object({ who: z.string(), deployments: count, failed: count })),
  buckets: z.array(MetricsBucket),
});
export type MetricsSummary = z.infer<typeof MetricsSummary>;
