import type { Db } from '../../db/client.js';
import { AppError } from '../../errors.js';
import type { DeploymentStatus, FailureInfo } from '../../deployments/types.js';
import { buckets, DAY_MS, defaultSpan, type Buckets } from './buckets.js';
import { leaderboards, type DeploymentLabels } from './leaders.js';
import type { MetricsQuery, MetricsSummary } from './schema.js';
import { incidents, stats, type DeploymentFacts } from './stats.js';

/** Enough for 83 days by the hour or five years by the day; beyond that the chart is unreadable anyway. */
export const MAX_BUCKETS = 2000;

interface Range {
  from: number;
  to: number;
  buckets: Buckets;
}

function range(q: MetricsQuery, now: number): Range {
  const offsetMs = q.utcOffset * 60_000;
  // A bare date is a local day (per utcOffset); as `to` it means the end of that day.
  const local = (i: { ms: number; dateOnly: boolean }) => (i.dateOnly ? i.ms - offsetMs : i.ms);
  const to = q.to ? local(q.to) + (q.to.dateOnly ? DAY_MS - 1 : 0) : now;
  const from = q.from ? local(q.from) : to - defaultSpan(q.bucket, to) + 1;
  if (from > to) throw new AppError('VALIDATION_FAILED', `from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})`, { field: 'from' });
  const b = buckets(q.bucket, offsetMs);
  const count = b.index(to) - b.index(from) + 1;
  if (count > MAX_BUCKETS) {
    throw new AppError('VALIDATION_FAILED', `the range spans ${count} ${q.bucket} buckets; at most ${MAX_BUCKETS} (narrow the range or use a larger bucket)`, { field: 'bucket' });
  }
  return { from, to, buckets: b };
}

type Loaded = DeploymentFacts & DeploymentLabels;

async function load(db: Db, q: MetricsQuery, r: Range): Promise<Loaded[]> {
  const where = ['d.created_at >= ?', 'd.created_at <= ?'];
  const args: (string | number)[] = [r.from, r.to];
  if (q.project) {
    where.push('d.project_id IN (SELECT id FROM projects WHERE id = ? OR name = ?)');
    args.push(q.project, q.project);
  }
  if (q.environment) {
    where.push('(d.environment_id = ? OR d.environment_id IN (SELECT id FROM environments WHERE name = ?))');
    args.push(q.environment, q.environment);
  }
  const rs = await db.execute({
    sql: `SELECT d.id, d.project_id, d.environment_id, d.kind, d.trigger, d.status, d.reason, d.failure, d.requested_by, d.created_at, d.started_at, d.finished_at,
            (SELECT name FROM projects WHERE id = d.project_id) AS project_name, (SELECT email FROM users WHERE id = d.user_id) AS user_email
          FROM deployments d WHERE ${where.join(' AND ')}`,
    args,
  });
  return rs.rows.map((row) => ({
    id: String(row.id),
    environmentId: String(row.environment_id),
    kind: row.kind === 'rollback' ? 'rollback' : 'deploy',
    status: String(row.status) as DeploymentStatus,
    createdAt: Number(row.created_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    projectId: String(row.project_id),
    projectName: row.project_name === null ? String(row.project_id) : String(row.project_name),
    who: String(row.user_email ?? row.requested_by ?? row.trigger),
    failure: row.failure === null || row.failure === undefined ? null : (JSON.parse(String(row.failure)) as FailureInfo),
    reason: row.reason === null || row.reason === undefined ? null : String(row.reason),
  }));
}

/** Per environment, the first success created after the range: it may recover an incident still open at `to`. */
async function successesAfter(db: Db, environmentIds: readonly string[], after: number): Promise<Map<string, number>> {
  if (environmentIds.length === 0) return new Map();
  const rs = await db.execute({
    sql: `SELECT environment_id, MIN(finished_at) AS at FROM deployments
          WHERE status = 'succeeded' AND created_at > ? AND environment_id IN (${environmentIds.map(() => '?').join(',')}) GROUP BY environment_id`,
    args: [after, ...environmentIds],
  });
  return new Map(rs.rows.map((row) => [String(row.environment_id), Number(row.at)]));
}

/**
 * DORA-style figures for a range of deployments (by creation time): per bucket and for the
 * whole range, with failure reasons, most active projects and top deployers. Buckets start at
 * local midnight (or the hour, Monday, the 1st) per `utcOffset`; empty ones are included so a
 * chart has an even x axis.
 */
export async function deploymentMetrics(db: Db, q: MetricsQuery, now = Date.now()): Promise<MetricsSummary> {
  const r = range(q, now);
  const deployments = await load(db, q, r);
  const all = incidents(deployments);
  const open = all.filter((i) => i.recoveredAt === null);
  const later = await successesAfter(db, [...new Set(open.map((i) => i.environmentId))], r.to);
  for (const i of open) {
    const at = later.get(i.environmentId);
    if (at !== undefined && at > i.startedAt) i.recoveredAt = at;
  }

  const bucketOf = (t: number) => r.buckets.index(t);
  const first = bucketOf(r.from);
  const last = bucketOf(r.to);
  const slots = Array.from({ length: last - first + 1 }, (_, i) => ({ deployments: [] as DeploymentFacts[], incidents: [] as typeof all, index: first + i }));
  for (const d of deployments) slots[bucketOf(d.createdAt) - first]?.deployments.push(d);
  for (const i of all) slots[bucketOf(i.first.createdAt) - first]?.incidents.push(i);

  const totals = stats(deployments, all);
  const days = (r.to - r.from + 1) / DAY_MS;
  return {
    from: new Date(r.from).toISOString(),
    to: new Date(r.to).toISOString(),
    bucket: q.bucket,
    utcOffset: q.utcOffset,
    totals: {
      ...totals,
      deploysPerDay: Math.round((deployments.filter((d) => d.kind === 'deploy' && d.status === 'succeeded').length / days) * 1000) / 1000,
      openIncidents: all.filter((i) => i.recoveredAt === null).length,
    },
    ...leaderboards(deployments),
    buckets: slots.map((b) => ({ start: new Date(r.buckets.start(b.index)).toISOString(), ...stats(b.deployments, b.incidents) })),
  };
}
