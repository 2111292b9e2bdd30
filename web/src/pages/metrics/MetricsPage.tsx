import { ProjectEnvFilter } from '../../components/ProjectEnvFilter.js';
import { duration } from '../../components/format.js';
import { Empty, ErrorBox, Loading, PageHeader } from '../../components/ui.js';
import { useApi } from '../../hooks/useApi.js';
import { Link, navigate, useLocation, withQuery } from '../../router/router.js';
import { fetchMetrics, METRICS_BUCKETS, type MetricsBucketSize, type MetricsFilters, type MetricsSummary } from './api.js';
import { Lines, StackedBars, type Series } from './charts.js';
import './metrics.css';

const STATUS_SERIES: Series[] = [
  { key: 'succeeded', label: 'Succeeded', color: 'var(--green)' },
  { key: 'failed', label: 'Failed', color: 'var(--red)' },
  { key: 'timed_out', label: 'Timed out', color: 'var(--amber)' },
  { key: 'cancelled', label: 'Cancelled', color: 'var(--muted)' },
  { key: 'other', label: 'Other', color: 'var(--accent)' },
];

const asBucket = (v: string | null): MetricsBucketSize => METRICS_BUCKETS.find((b) => b === v) ?? 'day';

const localDate = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const seconds = (s: number | null) => (s === null ? '—' : duration(s * 1000));
const percent = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`);

/** Deployment frequency, outcomes, durations and recovery time; filters live in the URL. */
export function MetricsPage() {
  const { query } = useLocation();
  const today = new Date();
  const filters: MetricsFilters = {
    project: query.get('project') ?? undefined,
    environment: query.get('environment') ?? undefined,
    from: query.get('from') ?? localDate(new Date(today.getTime() - 29 * 86400_000)),
    to: query.get('to') ?? localDate(today),
    bucket: asBucket(query.get('bucket')),
  };
  const data = useApi(() => fetchMetrics(filters), [JSON.stringify(filters)]);
  const set = (changes: Partial<MetricsFilters>) => navigate(withQuery('/insights', { ...filters, ...changes }), { replace: true });

  return (
    <div className="page">
      <PageHeader title="Metrics" sub="How often you ship, how often it works, how fast you recover." />
      <section className="filters card" aria-label="Filters">
        <ProjectEnvFilter project={filters.project} environment={filters.environment} onChange={set} />
        <label className="date-filter">
          From <input type="date" aria-label="From date" value={filters.from} onChange={(e) => e.target.value && set({ from: e.target.value })} />
        </label>
        <label className="date-filter">
          To <input type="date" aria-label="To date" value={filters.to} onChange={(e) => e.target.value && set({ to: e.target.value })} />
        </label>
        <select aria-label="Bucket" value={filters.bucket} onChange={(e) => set({ bucket: asBucket(e.target.value) })}>
          <option value="day">Per day</option>
          <option value="hour">Per hour</option>
          <option value="week">Per week</option>
          <option value="month">Per month</option>
        </select>
      </section>
      {data.error ? (
        <ErrorBox error={data.error} retry={data.reload} />
      ) : !data.data ? (
        <Loading what="metrics" />
      ) : data.data.totals.deployments === 0 ? (
        <Empty title="No deployments in this range.">Pick a wider date range or another project.</Empty>
      ) : (
        <MetricsView m={data.data} />
      )}
    </div>
  );
}

function MetricsView({ m }: { m: MetricsSummary }) {
  const t = m.totals;
  const labels = m.buckets.map((b) => {
    const d = new Date(b.start);
    if (m.bucket === 'hour') return `${String(d.getHours()).padStart(2, '0')}:00`;
    if (m.bucket === 'month') return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
    return `${d.getMonth() + 1}/${d.getDate()}`;
  });
  const statusRows = m.buckets.map((b) => {
    const s = b.byStatus;
    const known = (s.succeeded ?? 0) + (s.failed ?? 0) + (s.timed_out ?? 0) + (s.cancelled ?? 0);
    return { succeeded: s.succeeded ?? 0, failed: s.failed ?? 0, timed_out: s.timed_out ?? 0, cancelled: s.cancelled ?? 0, other: b.deployments - known };
  });
  return (
    <>
      <section className="metric-tiles" aria-label="Totals">
        <Tile label="Deployments" value={String(t.deployments)} hint={`${t.deploysPerDay} successful per day`} />
        <Tile label="Success rate" value={percent(t.successRate)} hint="of finished deploys" />
        <Tile label="Duration p50 / p95" value={`${seconds(t.durationP50Seconds)} / ${seconds(t.durationP95Seconds)}`} hint={`mean ${seconds(t.durationMeanSeconds)}`} />
        <Tile label="Mean time to recovery" value={seconds(t.mttrSeconds)} hint={`${t.recoveries} recovered${t.openIncidents ? `, ${t.openIncidents} still failing` : ''}`} />
        <Tile label="Rollbacks" value={String(t.rollbacks)} />
      </section>
      <div className="metric-charts">
        <section className="card">
          <h2>Deployments per {m.bucket}</h2>
          <StackedBars title={`Deployments per ${m.bucket} by status`} labels={labels} rows={statusRows} series={STATUS_SERIES} />
        </section>
        <section className="card">
          <h2>Duration</h2>
          <Lines
            title="Deployment duration p50 and p95"
            labels={labels}
            rows={m.buckets.map((b) => ({ p50: b.durationP50Seconds, p95: b.durationP95Seconds }))}
            series={[
              { key: 'p50', label: 'p50', color: 'var(--accent)' },
              { key: 'p95', label: 'p95', color: 'var(--amber)' },
            ]}
            format={(v) => seconds(v)}
          />
        </section>
        <section className="card">
          <h2>Success rate</h2>
          <Lines title="Success rate" labels={labels} rows={m.buckets.map((b) => ({ rate: b.successRate }))} series={[{ key: 'rate', label: 'Success rate', color: 'var(--green)' }]} format={percent} max={1} />
        </section>
        <section className="card">
          <h2>Time to recovery</h2>
          <Lines title="Mean time to recovery" labels={labels} rows={m.buckets.map((b) => ({ mttr: b.mttrSeconds }))} series={[{ key: 'mttr', label: 'MTTR (by failure date)', color: 'var(--red)' }]} format={seconds} />
        </section>
      </div>
      <Leaderboards m={m} />
    </>
  );
}

/** Where deployments fail, and who and what deploys most. */
function Leaderboards({ m }: { m: MetricsSummary }) {
  return (
    <div className="metric-charts">
      <section className="card">
        <h2>Failure reasons</h2>
        {m.failureReasons.length === 0 ? (
          <p className="muted">No failures in this range.</p>
        ) : (
          <table className="table">
            <thead>
              <tr><th>Stage</th><th>Error</th><th>Count</th><th>Latest</th></tr>
            </thead>
            <tbody>
              {m.failureReasons.map((r) => (
                <tr key={`${r.stage ?? ''}:${r.error}`}>
                  <td>{r.stage ?? 'before any step'}</td>
                  <td className="mono">{r.error}</td>
                  <td>{r.count}</td>
                  <td><Link to={`/deployments/${r.lastDeploymentId}`}>{r.lastDeploymentId}</Link></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h2>Most active projects</h2>
        <table className="table">
          <tbody>
            {m.topProjects.map((p) => (
              <tr key={p.projectId}><td>{p.projectName}</td><td>{p.deployments}</td></tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>Top deployers</h2>
        <table className="table">
          <thead>
            <tr><th>Who</th><th>Deployments</th><th>Failed</th></tr>
          </thead>
          <tbody>
            {m.topDeployers.map((w) => (
              <tr key={w.who}><td>{w.who}</td><td>{w.deployments}</td><td>{w.failed}</td></tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

function Tile({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="card metric-tile">
      <div className="metric-label">{label}</div>
      <div className="metric-value">{value}</div>
      {hint && <div className="muted small">{hint}</div>}
    </div>
  );
}
