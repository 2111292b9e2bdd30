import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { failures, Load } from '../../agent/test-fixtures/load-process.js';
import { devflowYml, isAlive, Site } from './site.js';

/**
 * What must not drop a request either: a release that never becomes healthy, the agent process
 * killed and restarted, and the old slot being retired after its keep time — each under a
 * steady keep-alive load from a separate process.
 */
let site: Site;

beforeAll(async () => {
  site = await Site.start({ drainTimeoutS: 5 });
  // Each case deploys again after a failure on purpose: the "previous deployment succeeded" rule is tested in test/rules/.
  await site.setEnvironment({ requirePreviousSuccess: false });
  await site.deployNext();
  await site.deployNext();
}, 90_000);
afterAll(async () => site?.close());

describe('zero-downtime when things go wrong', () => {
  it('a release that fails its health check: the deployment fails with the evidence, traffic stays on the old slot', { timeout: 60_000 }, async () => {
    const live = latestSlot();
    const load = await Load.start(site.port, { connections: 16, rate: 1000 });
    await load.waitSeen(2);
    const bad = site.commit({ unhealthy: true });
    const deployment = await site.deploy();
    const summary = await load.stop();

    expect(deployment.status).toBe('failed');
    expect(deployment.reason).toMatch(/health check .* failed/);
    const log = await site.log(deployment.id);
    expect(log).toMatch(/attempt 1: (503|\S+) in \d+ ms/);
    expect(log).toMatch(/attempt \d+: 503 in \d+ ms[\s\S]*last \d+ output lines of slot (blue|green):/);
    expect(log).toContain(`version ${bad}: cannot reach the database (connection refused)`);
    expect(log).toMatch(/stopped slot (blue|green) \(release \S+, pid \d+\) because it never became healthy/);

    expect(failures(summary)).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    expect(load.firstSeen(bad)).toBeUndefined();
    expect(await site.served()).toBe('version=2');
    // Only the live slot runs, the same process as before.
    expect(Object.entries(site.slots())).toEqual([live]);
  });

  it('kill -9 of the agent under load: zero failed requests; the restarted agent adopts the running slots and deploys', { timeout: 60_000 }, async () => {
    const load = await Load.start(site.port, { connections: 16, rate: 1000 });
    await load.waitSeen(2);
    await site.restartAgent();
    await site.agent.proc.waitForLine(/adopted running slot/, 10_000);
    const { version } = await site.deployNext();
    await load.waitSeen(version);
    const summary = await load.stop();
    console.log(`agent killed and restarted under load: ${summary.ok} requests at ${summary.rps} req/s, ${summary.failed + summary.reset} failed`);
    expect(failures(summary)).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    expect(summary.perConnection.every((c) => c.sockets === 1)).toBe(true);
  });

  it('a release that fails after its switch stays serving (marked bad); the next deployment starts on the other slot and fails no request', { timeout: 90_000 }, async () => {
    // A hook after the health check fails: traffic already went to the new slot and stays there.
    const failing = site.commit({ yml: devflowYml(['blueGreen: { drainTimeout: 5 }', 'hooks: { healthcheck: { after: { argv: [node, -e, "process.exit(3)"] } } }']) });
    const bad = await site.deploy();
    expect(bad.status).toBe('failed');
    expect(bad.reason).toMatch(/release was marked bad and is still in place/);
    expect(await site.served()).toBe(`version=${failing}`);
    const serving = Object.entries(site.slots()).find(([, s]) => s.releaseId === bad.releaseId);
    expect(serving).toBeDefined();

    const load = await Load.start(site.port, { connections: 16, rate: 1000 });
    await load.waitSeen(failing);
    site.commit({ yml: devflowYml(['blueGreen: { drainTimeout: 5 }']) });
    const next = await site.deploy();
    expect(next.status, next.reason ?? '').toBe('succeeded');
    const version = Number((await site.served()).replace('version=', ''));
    await load.waitSeen(version);
    const summary = await load.stop();
    expect(failures(summary)).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    // The new release went to the idle slot; the bad one's slot was not restarted under its clients.
    expect(Object.entries(site.slots()).find(([, s]) => s.releaseId === next.releaseId)?.[0]).not.toBe(serving![0]);
  });

  it('blueGreen.stopOldSlotAfter: the old slot is stopped when its keep time is up; a rollback then starts it again', { timeout: 60_000 }, async () => {
    const previous = Number((await site.served()).replace('version=', ''));
    site.commit({ yml: devflowYml(['blueGreen: { drainTimeout: 5, stopOldSlotAfter: 1 }']) });
    const deployment = await site.deploy();
    expect(deployment.status, deployment.reason ?? '').toBe('succeeded');
    const version = Number((await site.served()).replace('version=', ''));
    expect(await site.log(deployment.id)).toMatch(/stays up as the rollback target until/);
    const old = Object.values(site.slots()).find((s) => !s.releaseId.endsWith(deployment.commit!.sha.slice(0, 8)))!;
    expect(old).toBeDefined();
    await waitFor('the old slot to be stopped after its keep time', () => !isAlive(old.pid) && Object.keys(site.slots()).length === 1, 15_000);

    const load = await Load.start(site.port, { connections: 16, rate: 1000 });
    await load.waitSeen(version);
    const { deployment: rollback } = await site.rollback();
    expect(rollback.status, rollback.reason ?? '').toBe('succeeded');
    await load.waitSeen(previous);
    const summary = await load.stop();
    expect(failures(summary)).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    expect(await site.served()).toBe(`version=${previous}`);
    expect(await site.log(rollback.id)).toMatch(/starting release \S+ on port \d+/);
  });
});

/** The slot started last (the live one): release ids sort by the second they were made, and two deployments fit in one. */
function latestSlot(): [string, ReturnType<Site['slots']>[string]] {
  return Object.entries(site.slots()).sort(([, a], [, b]) => a.startedAt - b.startedAt).at(-1)!;
}
