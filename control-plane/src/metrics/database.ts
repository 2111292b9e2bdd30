import type { Db } from '../db/client.js';
import { histogramSamples, type MetricFamily, type Sample } from './exposition.js';

/** Deployment durations in seconds: a quick static deploy to a long build with migrations. */
export const DEPLOYMENT_DURATION_BUCKETS = [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600] as const;

export const DATABASE_METRICS = [
  'devflow_deployments_total',
  'devflow_deployment_duration_seconds',
  'devflow_deployments_queued',
  'devflow_deployments_running',
  'devflow_servers',
  'devflow_steps_total',
  'devflow_log_lines_total',
] as const;

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const family = (name: string, help: string, type: MetricFamily['type'], samples: Sample[]): MetricFamily => ({ name, help, type, samples });

// Names rather than ids in labels (what a dashboard shows); a deleted project keeps its id.
const NAMES = 'COALESCE(p.name, d.project_id) AS project, COALESCE(e.name, d.environment_id) AS environment';
const JOINS = 'FROM deployments d LEFT JOIN projects p ON p.id = d.project_id LEFT JOIN environments e ON e.id = d.environment_id';

/**
 * Deployment, step, server and log figures read from the database at scrape time, so every
 * instance reports the same truth and a restart resets nothing. Each is one GROUP BY.
 */
export async function collectDatabase(db: Db): Promise<MetricFamily[]> {
  const bounds = DEPLOYMENT_DURATION_BUCKETS.map((b) => b * 1000);
  const bucketCols = bounds.map((b, i) => `SUM(CASE WHEN d.finished_at - d.started_at <= ${b} THEN 1 ELSE 0 END) AS b${i}`).join(', ');
  const [totals, durations, active, servers, steps, logs] = await db.batch(
    [
      `SELECT ${NAMES}, d.status, d.trigger, COUNT(*) AS n ${JOINS} GROUP BY d.project_id, d.environment_id, d.status, d.trigger`,
      `SELECT ${NAMES}, d.status, COUNT(*) AS n, SUM(d.finished_at - d.started_at) AS total, ${bucketCols} ${JOINS}
         WHERE d.started_at IS NOT NULL AND d.finished_at IS NOT NULL GROUP BY d.project_id, d.environment_id, d.status`,
      `SELECT p.name AS project, SUM(d.status = 'queued') AS queued, SUM(d.status = 'running') AS running
         FROM projects p LEFT JOIN deployments d ON d.project_id = p.id AND d.status IN ('queued', 'running') GROUP BY p.id`,
      'SELECT status, COUNT(*) AS n FROM servers GROUP BY status',
      'SELECT kind, status, COUNT(*) AS n FROM steps GROUP BY kind, status',
      // Each step's and deployment's contiguous stored-line mark: the count without scanning log_lines.
      `SELECT (SELECT COALESCE(SUM(log_acked_seq), 0) FROM steps) + (SELECT COALESCE(SUM(log_seq), 0) FROM deployments) AS n`,
    ],
    'read',
  );
  const rows = (r: typeof totals) => r?.rows ?? [];

  const serverCounts: Record<string, number> = { online: 0, offline: 0 };
  for (const r of rows(servers)) serverCounts[str(r.status)] = Number(r.n);

  return [
    family(
      'devflow_deployments_total',
      'Deployments recorded, by project, environment, status and trigger (from the database).',
      'counter',
      rows(totals).map((r) => ({
        suffix: '',
        labels: { project: str(r.project), environment: str(r.environment), status: str(r.status), trigger: str(r.trigger) },
        value: Number(r.n),
      })),
    ),
    family(
      'devflow_deployment_duration_seconds',
      'Duration of finished deployments (start to finish), by project, environment and status.',
      'histogram',
      rows(durations).flatMap((r) =>
        histogramSamples(
          { project: str(r.project), environment: str(r.environment), status: str(r.status) },
          DEPLOYMENT_DURATION_BUCKETS,
          bounds.map((_, i) => Number(r[`b${i}`] ?? 0)),
          Number(r.total ?? 0) / 1000,
          Number(r.n),
        ),
      ),
    ),
    family('devflow_deployments_queued', 'Deployments waiting in the queue, by project.', 'gauge', rows(active).map((r) => ({ suffix: '', labels: { project: str(r.project) }, value: Number(r.queued ?? 0) }))),
    family('devflow_deployments_running', 'Deployments running now, by project.', 'gauge', rows(active).map((r) => ({ suffix: '', labels: { project: str(r.project) }, value: Number(r.running ?? 0) }))),
    family('devflow_servers', 'Enrolled servers by status.', 'gauge', Object.entries(serverCounts).map(([status, value]) => ({ suffix: '', labels: { status }, value }))),
    family('devflow_steps_total', 'Agent steps by kind and status (from the database).', 'counter', rows(steps).map((r) => ({ suffix: '', labels: { kind: str(r.kind), status: str(r.status) }, value: Number(r.n) }))),
    family('devflow_log_lines_total', 'Log lines stored (agent steps and control-plane lines).', 'counter', [{ suffix: '', labels: {}, value: Number(rows(logs)[0]?.n ?? 0) }]),
  ];
}
