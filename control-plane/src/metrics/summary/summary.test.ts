import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startTestControlPlane, type TestControlPlane } from '../../../test-support/harness.js';
import { seedDeployments, seedEnvironment } from '../../../test-support/metrics/seed.js';
import { MetricsSummary } from './schema.js';

/**
 * GET /api/metrics on a known data set (real control plane, real database). Hand-computed:
 * deploy durations [20, 30, 40, 60, 90, 120, 3600] s -> p50 60, p95 120 + 0.7 * 3480 = 2556;
 * incidents: production 11:00:30 -> rollback done 11:20:10 (1180 s), 05-02 10:00:00 -> 11:01:30
 * (3690 s); staging 05-02 13:00:40 -> 05-04 08:00:20, after the range (1 d 18:59:40 = 154780 s).
 */
let cp: TestControlPlane;
let auth: Record<string, string>;
const at = (iso: string) => Date.parse(iso);

beforeAll(async () => {
  cp = await startTestControlPlane();
  auth = { authorization: `Bearer ${await adminToken(cp)}` };
  const db = cp.services.db;
  const prod = await seedEnvironment(db, 'shop', 'production');
  const staging = await seedEnvironment(db, 'shop', 'staging');
  const blog = await seedEnvironment(db, 'blog', 'production');
  await seedDeployments(db, prod, [
    { id: 'a0', status: 'succeeded', createdAt: at('2024-04-30T10:00:00Z'), durationS: 5 },
    { id: 'a1', status: 'succeeded', createdAt: at('2024-05-01T10:00:00Z'), durationS: 60 },
    { id: 'a2', status: 'failed', createdAt: at('2024-05-01T11:00:00Z'), durationS: 30, failure: { stage: 'build', step: 'npm run build', exitCode: 1, error: null }, requestedBy: 'octocat (github)', trigger: 'webhook' },
    { id: 'a3', status: 'failed', createdAt: at('2024-05-01T11:10:00Z'), durationS: 20, failure: { stage: 'build', step: 'npm run build', exitCode: 1, error: null }, requestedBy: 'octocat (github)', trigger: 'webhook' },
    { id: 'a4', status: 'succeeded', kind: 'rollback', createdAt: at('2024-05-01T11:20:00Z'), durationS: 10 },
    { id: 'a5', status: 'timed_out', createdAt: at('2024-05-02T09:00:00Z'), durationS: 3600, reason: 'agent web1 stayed offline past its 120 s grace period\nmore', requestedBy: 'schedule nightly', trigger: 'schedule' },
    { id: 'a6', status: 'cancelled', createdAt: at('2024-05-02T10:30:00Z') },
    { id: 'a7', status: 'succeeded', createdAt: at('2024-05-02T11:00:00Z'), durationS: 90 },
  ]);
  await seedDeployments(db, staging, [
    { id: 'b1', status: 'succeeded', createdAt: at('2024-05-01T12:00:00Z'), durationS: 120 },
    { id: 'b2', status: 'failed', createdAt: at('2024-05-02T13:00:00Z'), durationS: 40 },
    { id: 'b3', status: 'succeeded', createdAt: at('2024-05-04T08:00:00Z'), durationS: 20 },
  ]);
  await seedDeployments(db, blog, [{ id: 'c1', status: 'failed', createdAt: at('2024-05-02T08:00:00Z'), durationS: 10, failure: { stage: 'migrate', step: 'migrate', exitCode: 2, error: 'Permission denied' } }]);
});
afterAll(async () => {
  await cp?.dispose();
});

async function metrics(query: string): Promise<MetricsSummary> {
  const res = await cp.app.request(`/api/metrics?${query}`, { headers: auth });
  expect(res.status, await res.clone().text()).toBe(200);
  return MetricsSummary.parse(await res.json());
}

describe('GET /api/metrics', () => {
  it('computes totals: counts by status, success rate over deploys, percentiles, rollbacks, MTTR', async () => {
    const m = await metrics('project=shop&from=2024-05-01&to=2024-05-03&bucket=day');
    expect(m.from).toBe('2024-05-01T00:00:00.000Z');
    expect(m.to).toBe('2024-05-03T23:59:59.999Z');
    expect(m.totals).toMatchObject({
      deployments: 9,
      rollbacks: 1,
      successRate: 0.4286,
      durationP50Seconds: 60,
      durationP95Seconds: 2556,
      // (20 + 30 + 40 + 60 + 90 + 120 + 3600) / 7
      durationMeanSeconds: 565.714,
      recoveries: 3,
      mttrSeconds: 53216.667,
      openIncidents: 0,
      deploysPerDay: 1,
    });
    expect(m.totals.byStatus).toMatchObject({ succeeded: 4, failed: 3, timed_out: 1, cancelled: 1, queued: 0 });
  });

  it('splits the range into buckets, empty ones included', async () => {
    const m = await metrics('project=shop&from=2024-05-01&to=2024-05-03');
    expect(m.buckets.map((b) => b.start)).toEqual(['2024-05-01T00:00:00.000Z', '2024-05-02T00:00:00.000Z', '2024-05-03T00:00:00.000Z']);
    const [d1, d2, d3] = m.buckets;
    expect(d1).toMatchObject({ deployments: 5, successRate: 0.5, durationP50Seconds: 45, rollbacks: 1, recoveries: 1, mttrSeconds: 1180 });
    expect(d2).toMatchObject({ deployments: 4, successRate: 0.3333, durationP50Seconds: 90, rollbacks: 0, recoveries: 2, mttrSeconds: 79235 });
    expect(d3).toMatchObject({ deployments: 0, successRate: null, durationP50Seconds: null, durationP95Seconds: null, mttrSeconds: null });
  });

  it('filters by environment name; an incident with no later success stays open', async () => {
    const staging = await metrics('project=shop&environment=staging&from=2024-05-01&to=2024-05-02');
    expect(staging.totals).toMatchObject({ deployments: 2, recoveries: 1, mttrSeconds: 154780, openIncidents: 0 });
    const blog = await metrics('project=blog&from=2024-05-01&to=2024-05-03');
    expect(blog.totals).toMatchObject({ deployments: 1, successRate: 0, recoveries: 0, mttrSeconds: null, openIncidents: 1 });
  });

  it('buckets by the hour and by local days (utcOffset)', async () => {
    const hourly = await metrics('project=shop&environment=production&from=2024-05-01T10:00:00Z&to=2024-05-01T11:59:59Z&bucket=hour');
    expect(hourly.buckets.map((b) => [b.start, b.deployments])).toEqual([
      ['2024-05-01T10:00:00.000Z', 1],
      ['2024-05-01T11:00:00.000Z', 3],
    ]);
    const local = await metrics('project=shop&from=2024-05-01&to=2024-05-01&utcOffset=120');
    expect(local.buckets.map((b) => [b.start, b.deployments])).toEqual([['2024-04-30T22:00:00.000Z', 5]]);
  });

  it('groups failure reasons by stage and error, ranks projects and deployers', async () => {
    const m = await metrics('from=2024-05-01&to=2024-05-03');
    expect(m.failureReasons).toEqual([
      { stage: 'build', error: 'npm run build: exit code 1', count: 2, lastDeploymentId: 'a3' },
      // Ties: the most recent first.
      { stage: null, error: 'no reason recorded', count: 1, lastDeploymentId: 'b2' },
      { stage: null, error: 'agent web1 stayed offline past its 120 s grace period', count: 1, lastDeploymentId: 'a5' },
      { stage: 'migrate', error: 'Permission denied', count: 1, lastDeploymentId: 'c1' },
    ]);
    expect(m.topProjects).toEqual([
      { projectId: 'p-shop', projectName: 'shop', deployments: 9 },
      { projectId: 'p-blog', projectName: 'blog', deployments: 1 },
    ]);
    // Seeded rows without a user or requester count under their trigger.
    expect(m.topDeployers).toEqual([
      { who: 'manual', deployments: 6, failed: 2 },
      { who: 'octocat (github)', deployments: 2, failed: 2 },
      { who: 'rollback', deployments: 1, failed: 0 },
      { who: 'schedule nightly', deployments: 1, failed: 1 },
    ]);
  });

  it('buckets by Monday weeks and calendar months in local time', async () => {
    // 2024-05-01 was a Wednesday: its week started on Monday 2024-04-29.
    const weekly = await metrics('project=shop&from=2024-04-29&to=2024-05-12&bucket=week');
    expect(weekly.buckets.map((b) => [b.start, b.deployments])).toEqual([
      ['2024-04-29T00:00:00.000Z', 11],
      ['2024-05-06T00:00:00.000Z', 0],
    ]);
    const monthly = await metrics('project=shop&from=2024-04-01&to=2024-05-31&bucket=month&utcOffset=-60');
    expect(monthly.buckets.map((b) => [b.start, b.deployments])).toEqual([
      ['2024-04-01T01:00:00.000Z', 1],
      ['2024-05-01T01:00:00.000Z', 10],
    ]);
    const byDefault = await metrics('bucket=month&to=2024-12-15');
    expect(byDefault.buckets).toHaveLength(13);
    expect(byDefault.buckets[0]?.start).toBe('2023-12-01T00:00:00.000Z');
    expect((await cp.app.request('/api/metrics?bucket=year', { headers: auth })).status).toBe(400);
  });

  it('names the problem in a bad query and needs a signed-in caller', async () => {
    const backwards = await cp.app.request('/api/metrics?from=2024-05-03&to=2024-05-01', { headers: auth });
    expect(backwards.status).toBe(400);
    expect(await backwards.text()).toMatch(/is after to/);
    const tooMany = await cp.app.request('/api/metrics?from=2020-01-01&to=2024-01-01&bucket=hour', { headers: auth });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.text()).toMatch(/at most 2000.*larger bucket/);
    expect((await cp.app.request('/api/metrics?from=yesterday', { headers: auth })).status).toBe(400);
    expect((await cp.app.request('/api/metrics')).status).toBe(401);
  });
});
