import { api } from '../../api/client.js';
import { withQuery } from '../../router/router.js';

/** The answer of GET /api/metrics (control-plane/src/metrics/summary/schema.ts). */
export interface MetricsStats {
  deployments: number;
  byStatus: Record<string, number>;
  successRate: number | null;
  durationP50Seconds: number | null;
  durationP95Seconds: number | null;
  durationMeanSeconds: number | null;
  rollbacks: number;
  recoveries: number;
  mttrSeconds: number | null;
}

export interface MetricsSummary {
  from: string;
  to: string;
  bucket: MetricsBucketSize;
  totals: MetricsStats & { deploysPerDay: number; openIncidents: number };
  buckets: (MetricsStats & { start: string })[];
  failureReasons: { stage: string | null; error: string; count: number; lastDeploymentId: string }[];
  topProjects: { projectId: string; projectName: string; deployments: number }[];
  topDeployers: { who: string; deployments: number; failed: number }[];
}

export const METRICS_BUCKETS = ['hour', 'day', 'week', 'month'] as const;
export type MetricsBucketSize = (typeof METRICS_BUCKETS)[number];

export interface MetricsFilters {
  project?: string;
  environment?: string;
  /** Local dates, YYYY-MM-DD. */
  from?: string;
  to?: string;
  bucket?: MetricsBucketSize;
}

/** Dates are the browser's days: the offset tells the server where they start. */
export const fetchMetrics = (f: MetricsFilters): Promise<MetricsSummary> =>
  api.get<MetricsSummary>(withQuery('/api/metrics', { ...f, utcOffset: -new Date().getTimezoneOffset() }));
