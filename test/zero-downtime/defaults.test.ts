import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failures, Load, onlyForward, type LoadSummary } from '../../agent/test-fixtures/load-process.js';
import { Site } from './site.js';

/**
 * What a user gets without choosing anything: a node project (package.json with a start script,
 * no devflow.yml) and an environment created with only a port, deployed by a real control plane
 * and agent. Deployments must not fail a request; changing the strategy either way, and rolling
 * back across such a change, must work and serve the right release.
 */
let site: Site;
let load: Load | undefined;

const stepNames = async (id: string) => (await site.api.call<{ deployment: { targets: { steps: { name: string }[] }[] } }>('GET', `/api/deployments/${id}`)).body.deployment.targets.flatMap((t) => t.steps.map((s) => s.name));
const proxyRoutes = (): { app: string }[] => {
  try {
    return (JSON.parse(readFileSync(join(site.agent.dataDir, 'proxy-routes.json'), 'utf8')) as { routes: { app: string }[] }).routes;
  } catch {
    return [];
  }
};

const gapReport = (s: LoadSummary) => `${s.failed + s.reset + s.incomplete} of ${s.ok + s.failed + s.reset + s.incomplete} requests failed (${JSON.stringify(s.errors)})`;

beforeAll(async () => {
  site = await Site.start({ nodeDefaults: true });
}, 90_000);
afterAll(async () => {
  load?.kill();
  await site?.close();
});

describe('zero downtime by default', () => {
  it('an environment created with defaults deploys blue-green: two deployments under keep-alive load fail no request', { timeout: 180_000 }, async () => {
    expect((await site.api.call<{ environment: { strategy: unknown; slotPorts: unknown } }>('GET', '/api/projects/zd/environments/production')).body.environment).toMatchObject({
      strategy: null,
      slotPorts: { blue: site.port + 1, green: site.port + 2 },
    });
    const { deployment: first } = await site.deployNext();
    expect(await stepNames(first.id)).toContain(`switch traffic on port ${site.port} to blue`);
    expect(await site.served()).toBe('version=1');

    load = await Load.start(site.port, { connections: 16, rate: 500 });
    await load.waitSeen(1);
    await site.deployNext();
    await load.waitSeen(2);
    const { version } = await site.deployNext();
    await load.waitSeen(version);
    const summary = await load.stop();
    load = undefined;
    console.log(`2 deployments with default settings: ${summary.ok} requests at ${summary.rps} req/s (p50 ${summary.p50ms} ms, p99 ${summary.p99ms} ms)`);
    expect(failures(summary)).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    expect(onlyForward(summary)).toBe(true);
    expect(Object.keys(site.slots()).sort()).toEqual(['blue', 'green']);
  });

  it('blue-green -> in-place: the proxy frees the port, the app runs in-place, the slots stop; a rollback after it works', { timeout: 120_000 }, async () => {
    const before = Number((await site.served()).replace('version=', ''));
    await site.setEnvironment({ strategy: 'in-place' });
    // The load only shows what users see during this change (it has a gap by design); not asserted.
    load = await Load.start(site.port, { connections: 16, rate: 500 });
    await load.waitSeen(before);
    const { version, deployment } = await site.deployNext();
    await load.waitSeen(version);
    console.log(`blue-green -> in-place under load: ${gapReport(await load.stop())}`);
    load = undefined;
    expect(await stepNames(deployment.id)).toEqual(
      expect.arrayContaining([
        `stop the traffic proxy on port ${site.port} (leaving blue-green: the in-place app takes the port; requests fail until it listens)`,
        'stop blue slot (leaving blue-green)',
        'stop green slot (leaving blue-green)',
      ]),
    );
    expect(await site.served()).toBe(`version=${version}`);
    expect(Object.keys(site.slots({ main: true }))).toEqual(['main']);
    expect(proxyRoutes().filter((r) => r.app === 'zd-production')).toEqual([]);

    // Back to the release that ran blue-green, now in-place.
    const { deployment: rollback } = await site.rollback();
    expect(rollback.status, rollback.reason ?? '').toBe('succeeded');
    expect(await site.served()).toBe(`version=${before}`);
    expect(Object.keys(site.slots({ main: true }))).toEqual(['main']);
  });

  it('in-place -> blue-green (the default again): the proxy takes the port from the in-place app, the gap said in the log; a rollback after it fails no request', { timeout: 120_000 }, async () => {
    const inPlace = Number((await site.served()).replace('version=', ''));
    await site.setEnvironment({ strategy: null });
    load = await Load.start(site.port, { connections: 16, rate: 500 });
    await load.waitSeen(inPlace);
    const { version, deployment } = await site.deployNext();
    await load.waitSeen(version);
    console.log(`in-place -> blue-green under load: ${gapReport(await load.stop())}`);
    load = undefined;
    const log = await site.log(deployment.id);
    expect(log).toMatch(/switching from in-place to blue-green: .*Requests may fail for that short moment \(this change only/);
    const handover = /the proxy listens on :\d+ (\d+) ms after the in-place app was asked to stop/.exec(log);
    expect(handover).not.toBeNull();
    console.log(`in-place -> blue-green: port handed over ${handover![1]} ms after the in-place app was asked to stop`);
    expect(await site.served()).toBe(`version=${version}`);
    expect(Object.keys(site.slots({ main: true }))).toEqual(['blue']);

    // The release live before ran in-place: the rollback starts it on the idle slot and switches, under load.
    load = await Load.start(site.port, { connections: 16, rate: 500 });
    await load.waitSeen(version);
    const { deployment: rollback } = await site.rollback();
    expect(rollback.status, rollback.reason ?? '').toBe('succeeded');
    await load.waitSeen(inPlace);
    const summary = await load.stop();
    load = undefined;
    expect(failures(summary)).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    expect(await site.served()).toBe(`version=${inPlace}`);
    expect(Object.keys(site.slots()).sort()).toEqual(['blue', 'green']);
  });
});
