import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { redisAvailable } from '../../control-plane/test-support/redis.js';
import { clusterPerTest } from './cluster.js';
import { api, buildLines, claimedBy, connectedTo, counterProject, counterRepo, expectCounted, sql, startScaleAgent } from './fixtures.js';

/**
 * Issue 7 item 7: SIGTERM to the instance orchestrating a deployment. It stops accepting,
 * stops taking jobs, detaches the run and hands it over (heartbeat cleared), closes its agent
 * connections and exits 0; the other instance adopts the deployment at once and finishes it.
 */
const redis = await redisAvailable();
const LINES = 300;

const newCluster = clusterPerTest();

describe.skipIf(!redis)('graceful shutdown', () => {
  it('SIGTERM: exits 0, hands the running deployment to the other instance, agents move, no line lost', async () => {
    const cluster = newCluster();
    const [a, b] = await cluster.startAll(['a', 'b']);
    const admin = await api(a!.url);
    const agent = await startScaleAgent(admin, [a!.url, b!.url], 'web-1');
    const base = await counterProject(admin, counterRepo(LINES, 20).dir, [agent.id]);
    const res = await admin.call<{ deployment: { id: string } }>('POST', `${base}/deployments`, {});
    expect(res.status).toBe(201);
    const id = res.body.deployment.id;

    const ownerId = await waitFor('the deployment claimed', () => claimedBy(cluster, id), 20_000, 50);
    const owner = cluster.byId(ownerId)!;
    const other = owner === a ? b! : a!;
    await waitFor('the build running', async () => {
      const [row] = await sql(cluster, "SELECT s.log_acked_seq AS n FROM deployment_steps ds JOIN steps s ON s.id = ds.step_id WHERE ds.deployment_id = ? AND ds.stage = 'build'", [id]);
      return Number(row?.n ?? 0) > 30;
    }, 30_000, 50);

    owner.process.kill('SIGTERM');
    await owner.process.exited;
    expect(owner.process.exit).toEqual({ code: 0, signal: null });
    // The listener is gone: new requests go elsewhere (a load balancer retries them).
    await expect(fetch(`${owner.url}/healthz`)).rejects.toThrow();

    const adopted = await waitFor('the other instance adopts it', async () => ((await claimedBy(cluster, id)) === other.id ? true : undefined), 10_000, 50);
    expect(adopted).toBe(true);
    expect((await waitFor('agent on the other instance', () => connectedTo(cluster, agent.id), 15_000))?.name).toBe(other.name);
    const d = await waitFor('deployment final', async () => {
      const dep = (await admin.call<{ deployment: { status: string; reason: string | null } }>('GET', `/api/deployments/${id}`, undefined, other.url)).body.deployment;
      return ['succeeded', 'failed', 'cancelled', 'timed_out'].includes(dep.status) ? dep : undefined;
    }, 40_000, 200);
    expect(d.status, d.reason ?? '').toBe('succeeded');
    const log = await admin.call<{ lines: { server: string; text: string }[] }>('GET', `/api/deployments/${id}/logs?format=json&limit=10000`, undefined, other.url);
    expect(log.body.lines.some((l) => l.server === 'devflow' && /handed over at shutdown/.test(l.text))).toBe(true);
    expectCounted(await buildLines(admin, other.url, id), LINES);
  });
});
