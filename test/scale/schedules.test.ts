import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { redisAvailable } from '../../control-plane/test-support/redis.js';
import { clusterPerTest } from './cluster.js';
import { api, counterProject, counterRepo, sql, startScaleAgent } from './fixtures.js';

/**
 * Issue 7 item 6: three instances run the same cron schedule (every second); each tick makes
 * exactly one deployment cluster-wide. The environment is locked first, so every tick is
 * recorded as its own `skipped` deployment with the lock's reason (no merging hides a duplicate);
 * unlocked, a tick deploys for real with trigger `schedule`.
 */
const redis = await redisAvailable();

const newCluster = clusterPerTest();

describe.skipIf(!redis)('scheduled deployments across three instances', () => {
  it('fire once per tick cluster-wide: one skipped deployment per tick while locked, a real one once unlocked', async () => {
    const cluster = newCluster();
    const [a, b, c] = await cluster.startAll(['a', 'b', 'c']);
    const admin = await api(a!.url);
    const agent = await startScaleAgent(admin, [a!.url], 'web-1');
    const base = await counterProject(admin, counterRepo(3, 1).dir, [agent.id]);
    expect((await admin.call('POST', `${base}/lock`, { reason: 'release freeze' })).status).toBe(200);

    const bad = await admin.call<{ error: { message: string } }>('PUT', `${base}/schedule`, { cron: '@daily' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^cron: .*not a valid cron expression/);
    const put = await admin.call<{ schedule: { cron: string; timezone: string } }>('PUT', `${base}/schedule`, { cron: '* * * * * *', timezone: 'Europe/Berlin' }, b!.url);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.schedule).toMatchObject({ cron: '* * * * * *', timezone: 'Europe/Berlin' });

    const fires = await waitFor('five ticks handled', async () => {
      const rows = await sql(cluster, "SELECT fired_at, deployment_id, outcome, handled_by FROM schedule_fires WHERE outcome != 'pending' ORDER BY fired_at");
      return rows.length >= 5 ? rows : undefined;
    }, 20_000, 200);
    expect((await admin.call('DELETE', `${base}/schedule`, undefined, c!.url)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 1500)); // a tick in flight at the delete finishes

    const all = await sql(cluster, 'SELECT fired_at, deployment_id, outcome FROM schedule_fires ORDER BY fired_at');
    const ticks = all.map((f) => Number(f.fired_at));
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.every((t) => t % 1000 === 0)).toBe(true);
    expect(fires.every((f) => f.outcome === 'skipped')).toBe(true);
    const deployments = await sql(cluster, "SELECT id, status, reason FROM deployments WHERE trigger = 'schedule'");
    // One deployment per tick, no more: each tick's deployment is its own record.
    expect(deployments.length).toBe(all.filter((f) => f.deployment_id !== null).length);
    expect(new Set(all.map((f) => f.deployment_id)).size).toBe(all.length);
    expect(deployments.every((d) => d.status === 'skipped' && /locked by .* release freeze/.test(String(d.reason)))).toBe(true);
    // The scheduler itself delivered each tick to one instance: no instance saw a repeat.
    const instances = [...cluster.instances.values()];
    expect(instances.filter((i) => i.logged(/schedule tick already handled/)).map((i) => i.name)).toEqual([]);
    const handled = instances.map((i) => i.process.lines.filter((l) => l.includes('"msg":"schedule fired"')).length);
    expect(handled.reduce((x, y) => x + y, 0)).toBe(all.length);

    // Unlocked: the next tick deploys the branch for real.
    expect((await admin.call('DELETE', `${base}/lock`)).status).toBe(200);
    expect((await admin.call('PUT', `${base}/schedule`, { cron: '* * * * * *' })).status).toBe(200);
    const deployed = await waitFor('a scheduled deployment that succeeded', async () => {
      const [row] = await sql(cluster, "SELECT id FROM deployments WHERE trigger = 'schedule' AND status = 'succeeded'");
      return row ? String(row.id) : undefined;
    }, 30_000, 200);
    expect((await admin.call('DELETE', `${base}/schedule`)).status).toBe(204);
    const view = await admin.call<{ deployment: { trigger: string; status: string } }>('GET', `/api/deployments/${deployed}`);
    expect(view.body.deployment).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
    const listed = await admin.call<{ schedule: unknown; fires: { outcome: string }[] }>('GET', `${base}/schedule`);
    expect(listed.body.schedule).toBeNull();
    expect(listed.body.fires.some((f) => f.outcome === 'queued')).toBe(true);
  });
});
