import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD } from '../helpers/control-plane.js';
import { spawnNode } from '../helpers/processes.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { redisAvailable } from '../../control-plane/test-support/redis.js';
import { clusterPerTest } from './cluster.js';
import { api, buildLines, claimedBy, connectedTo, counterProject, counterRepo, expectCounted, sql, startScaleAgent } from './fixtures.js';
import { SseClient } from './sse.js';

/**
 * Issue 7 item 4, with real processes: three control planes sharing Redis and one database
 * file, two agents held by B and C. Work started on one instance reaches an agent held by
 * another; its logs come back and reach a browser-events client on a third.
 */
const redis = await redisAvailable();

const newCluster = clusterPerTest();

describe.skipIf(!redis)('agent routing across three instances', () => {
  it('a step run from A reaches the agent on B; a deployment reaches agents on B and C and its log streams to a browser on C', async () => {
    const cluster = newCluster();
    const [a, b] = await cluster.startAll(['a', 'b']);
    // C hands out its peers at enrolment.
    const c = await cluster.start('c', { DEVFLOW_PEER_URLS: `${a!.url},${b!.url}` });
    const admin = await api(a!.url);
    const onB = await startScaleAgent(admin, [b!.url], 'web-b');
    const onC = await startScaleAgent(admin, [c.url], 'web-c');
    expect(onC.urls()).toEqual([c.url, a!.url, b!.url]);
    expect((await connectedTo(cluster, onB.id))?.name).toBe('b');
    expect((await connectedTo(cluster, onC.id))?.name).toBe('c');

    // 1. A signs and dispatches a step to the agent held by B; the result comes back to A.
    const driver = spawnNode('driver-a', join(REPO_ROOT, 'test/fixtures/control-plane-driver.mjs'), [], {
      PORT: '0',
      HOST: '127.0.0.1',
      DEVFLOW_DATA_DIR: tempDir('devflow-driver-'),
      DEVFLOW_ADMIN_EMAIL: E2E_ADMIN_EMAIL,
      DEVFLOW_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      ...cluster.env({ LOG_LEVEL: 'warn' }),
    }, { stdin: true });
    await driver.waitForLine(/DevFlow control plane listening on/);
    driver.writeLine(JSON.stringify({ cmd: 'run', agentId: onB.id, spec: { kind: 'exec', argv: ['sh', '-c', 'seq 1 500'], timeoutMs: 30_000 } }));
    const sent = await driver.waitForLine(/^(?:STEP_SENT (\S+)|COMMAND_ERROR (.*))$/);
    expect(sent[2]).toBeUndefined();
    const done = await driver.waitForLine(new RegExp(`^STEP_DONE ${sent[1]} (.*)$`), 30_000);
    expect(JSON.parse(done[1] ?? '{}')).toMatchObject({ status: 'succeeded', exitCode: 0, lastSeq: 500 });
    const stepLines = await sql(cluster, 'SELECT seq, text FROM log_lines WHERE step_id = ? ORDER BY seq', [sent[1] ?? '']);
    expect(stepLines.map((l) => String(l.text))).toEqual(Array.from({ length: 500 }, (_, i) => String(i + 1)));
    await driver.stop();

    // 2. A deployment requested on A to both agents; browser clients on C follow its log and the console events.
    const repo = counterRepo(300, 5);
    const base = await counterProject(admin, repo.dir, [onB.id, onC.id]);
    const events = new SseClient(`${c.url}/api/events`, admin.headers);
    await waitFor('events stream ready on C', () => events.of('ready').length > 0);
    const res = await admin.call<{ deployment: { id: string } }>('POST', `${base}/deployments`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.deployment.id;
    const follow = new SseClient(`${c.url}/api/deployments/${id}/logs/stream`, admin.headers);
    await waitFor('the deployment log stream to end', () => follow.ended, 60_000).catch(async (err: unknown) => {
      const detail = await admin.call('GET', `/api/deployments/${id}`);
      const tails = [...cluster.instances.values()].map((i) => `--- ${i.name} (${i.id})\n${i.process.tail(15)}`).join('\n');
      throw new Error(`${(err as Error).message}\n${JSON.stringify(detail.body).slice(0, 3000)}\n${tails}\nSSE events: ${follow.events.length}`);
    });
    events.close();
    expect(follow.error).toBeUndefined();
    // Nobody missed heartbeats: the deployment was never taken over.
    expect([...cluster.instances.values()].filter((i) => i.logged(/deployment taken over/)).map((i) => i.name)).toEqual([]);

    const statuses = follow.of('status') as { status: string; reason: string | null }[];
    expect(statuses.at(-1)).toMatchObject({ status: 'succeeded' });
    const orchestrator = cluster.byId((await claimedBy(cluster, id)) ?? '');
    expect(orchestrator, 'the orchestrating instance is one of the three').toBeDefined();
    // Whoever orchestrated, at least one agent sits on another instance, and C's browser saw every line of both.
    const holders = [(await connectedTo(cluster, onB.id))?.name, (await connectedTo(cluster, onC.id))?.name];
    expect(holders).toEqual(['b', 'c']);
    expect(holders.filter((h) => h !== orchestrator?.name).length).toBeGreaterThan(0);
    const streamed = (follow.of('log') as { lines: { server: string; stage: string; text: string }[] }[]).flatMap((e) => e.lines);
    expectCounted(streamed.filter((l) => l.server === 'web-b' && l.stage === 'build'), 300);
    expectCounted(streamed.filter((l) => l.server === 'web-c' && l.stage === 'build'), 300);
    // The stored log, read through B, holds the same lines once each.
    const stored = await buildLines(admin, b!.url, id);
    expectCounted(stored.filter((l) => l.server === 'web-b'), 300);
    expectCounted(stored.filter((l) => l.server === 'web-c'), 300);
    // Console events published by the orchestrator reached C's /api/events.
    const deploymentEvents = events.of('deployment') as { deploymentId: string; status: string }[];
    expect(deploymentEvents.filter((e) => e.deploymentId === id).map((e) => e.status)).toEqual(expect.arrayContaining(['running', 'succeeded']));
  });
});
