import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HealthCheckStep, type StepSpecOf } from '@devflow/protocol';
import { healthCheck } from '../health/index.js';
import { createTrafficSwitch, ProxyClient } from '../proxy/index.js';
import { bundleEntry } from '../../test-fixtures/build-entry.js';
import { fixturesDir, freePort, isAlive, makeRelease, stepContext, tempDataDir, versionApp, waitFor, waitListening } from '../../test-fixtures/helpers.js';
import { retireDueSlots, slotStart, slotStatus, slotStop } from './index.js';

/**
 * The blue-green parts of the supervisor that involve the proxy process: keeping a warm slot for
 * a rollback, stopping a release that never became healthy, waiting for the drain before
 * replacing a slot, and retiring the old slot after its keep time.
 */
const APP = 'shop-prod';
let dataDir: string;
let cleanup: () => Promise<void>;
let listenPort: number;
let ports: Record<'blue' | 'green', number>;
let trafficSwitch: ReturnType<typeof createTrafficSwitch>;

const start = (slot: 'blue' | 'green', releaseId: string, extra: Partial<StepSpecOf<'slot.start'>> = {}, env: Record<string, string> = {}): StepSpecOf<'slot.start'> => ({
  kind: 'slot.start', app: APP, slot, releaseId, argv: [process.execPath, versionApp], port: ports[slot], env: { VERSION: releaseId.slice(1), ...env }, timeoutMs: 30_000, ...extra,
});
const switchTo = (slot: 'blue' | 'green', extra: Partial<StepSpecOf<'traffic.switch'>> = {}) =>
  trafficSwitch({ kind: 'traffic.switch', app: APP, listenPort, slot, targetPort: ports[slot], drainMs: 10_000, timeoutMs: 30_000, ...extra }, stepContext(dataDir));
const pidOf = async (slot: 'blue' | 'green') => {
  const s = await slotStatus(dataDir, APP, slot);
  return s.state === 'running' ? s.pid : null;
};

beforeEach(async () => {
  ({ dir: dataDir, cleanup } = await tempDataDir());
  for (const r of ['r1', 'r2', 'r3']) await makeRelease(dataDir, APP, r);
  listenPort = await freePort();
  ports = { blue: await freePort(), green: await freePort() };
  trafficSwitch = createTrafficSwitch({ entry: await bundleEntry(join(fixturesDir, 'proxy-entry.ts'), dataDir, 'devflow-agent'), host: '127.0.0.1' });
});
afterEach(async () => {
  for (const slot of ['blue', 'green'] as const) await slotStop({ kind: 'slot.stop', app: APP, slot, graceMs: 500, timeoutMs: 10_000 }, stepContext(dataDir));
  const status = await ProxyClient.forDataDir(dataDir).status().catch(() => null);
  if (status) {
    process.kill(status.pid, 'SIGTERM');
    await waitFor(() => !isAlive(status.pid), 5000, 'proxy to exit');
  }
  await cleanup();
});

describe('blue-green slots', () => {
  it('keepRunning keeps the process already running that release (warm rollback) and restarts anything else', async () => {
    const first = await slotStart(start('blue', 'r1'), stepContext(dataDir));
    const ctx = stepContext(dataDir);
    const kept = await slotStart(start('blue', 'r1', { keepRunning: true }), ctx);
    expect(kept.output).toEqual({ pid: first.output?.pid, port: ports.blue, kept: true });
    expect(ctx.text()).toMatch(/release r1 is still running \(pid \d+, port \d+, started .*\); kept/);
    // Another release (or a dead process) is started as usual.
    const other = await slotStart(start('blue', 'r2', { keepRunning: true }), stepContext(dataDir));
    expect(other.output?.kept).toBeUndefined();
    expect(other.output?.pid).not.toBe(first.output?.pid);
    expect(isAlive(first.output?.pid as number)).toBe(false);
  });

  it('keepRunning restarts a process of that release that runs with other variables than the step applies (issue 16 item 3)', async () => {
    const first = await slotStart(start('blue', 'r1', {}, { GREETING: 'hello-two' }), stepContext(dataDir));
    const ctx = stepContext(dataDir);
    const restarted = await slotStart(start('blue', 'r1', { keepRunning: true }, { GREETING: 'hello-three' }), ctx);
    expect(restarted.output?.kept).toBeUndefined();
    expect(restarted.output?.pid).not.toBe(first.output?.pid);
    expect(isAlive(first.output?.pid as number)).toBe(false);
    expect(ctx.text()).toContain('release r1 is still running');
    expect(ctx.text()).toContain('with other variables than the ones that apply now; restarting it with them');
    // Same variables again (in another key order): kept.
    const again = await slotStart(start('blue', 'r1', { keepRunning: true }, { GREETING: 'hello-three' }), stepContext(dataDir));
    expect(again.output).toEqual({ pid: restarted.output?.pid, port: ports.blue, kept: true });
  });

  it('stopSlotOnFailure: a release that never becomes healthy is stopped after its output is shown', async () => {
    await slotStart(start('green', 'r2', {}, { HEALTH: 'fail' }), stepContext(dataDir));
    const pid = (await pidOf('green'))!;
    await waitListening(ports.green);
    const ctx = stepContext(dataDir);
    const spec = HealthCheckStep.parse({ kind: 'health.check', url: `http://127.0.0.1:${ports.green}/up`, intervalMs: 50, deadlineMs: 600, slot: { app: APP, slot: 'green' }, stopSlotOnFailure: true, timeoutMs: 10_000 });
    await expect(healthCheck(spec, ctx)).rejects.toThrow(/never answered 200/);
    expect(ctx.text()).toContain('health: migrations pending for version 2');
    expect(ctx.text()).toMatch(new RegExp(`stopped slot green \\(release r2, pid ${pid}\\) because it never became healthy`));
    expect(isAlive(pid)).toBe(false);
    expect((await slotStatus(dataDir, APP, 'green')).state).toBe('stopped');
  });

  it('replacing a slot the proxy still drains waits until its requests have finished', { timeout: 30_000 }, async () => {
    await slotStart(start('blue', 'r1'), stepContext(dataDir));
    await slotStart(start('green', 'r2'), stepContext(dataDir));
    await waitListening(ports.blue);
    await waitListening(ports.green);
    await switchTo('blue');
    const slow = fetch(`http://127.0.0.1:${listenPort}/slow?seconds=1.5`).then((r) => r.text());
    await waitFor(async () => (await ProxyClient.forDataDir(dataDir).status()).routes[0]?.active.inflight === 1, 5000, 'slow request in flight');
    await switchTo('green');
    const ctx = stepContext(dataDir);
    await slotStart(start('blue', 'r3'), ctx);
    expect(ctx.text()).toMatch(/waiting for 1 connection\(s\) the proxy is draining to port \d+ before replacing release r1/);
    const body = await slow;
    expect(body.split('\n').filter((l) => l.startsWith('version=1 chunk'))).toHaveLength(15);
    expect(body.endsWith('done\n')).toBe(true);
  });

  it('stopPreviousAfterMs: the sweep stops the old slot when due, unless traffic went back to it or it was replaced', { timeout: 30_000 }, async () => {
    await slotStart(start('blue', 'r1'), stepContext(dataDir));
    await slotStart(start('green', 'r2'), stepContext(dataDir));
    await waitListening(ports.blue);
    await waitListening(ports.green);
    await switchTo('blue');
    const bluePid = (await pidOf('blue'))!;
    const ctx = stepContext(dataDir);
    await trafficSwitch({ kind: 'traffic.switch', app: APP, listenPort, slot: 'green', targetPort: ports.green, drainMs: 0, stopPreviousAfterMs: 60_000, timeoutMs: 30_000 }, ctx);
    expect(ctx.text()).toMatch(/blue \(release r1\) stays up as the rollback target until /);
    // Not due yet: nothing happens.
    expect(await retireDueSlots(dataDir)).toEqual([]);
    expect(await retireDueSlots(dataDir, Date.now() + 61_000)).toEqual([{ app: APP, slot: 'blue', releaseId: 'r1', pid: bluePid, outcome: 'stopped' }]);
    expect(isAlive(bluePid)).toBe(false);

    // Traffic went back to the slot before its time was up: it stays.
    await slotStart(start('blue', 'r3'), stepContext(dataDir));
    await waitListening(ports.blue);
    await switchTo('blue', { drainMs: 0, stopPreviousAfterMs: 0 });
    const greenPid = (await pidOf('green'))!;
    await switchTo('green', { drainMs: 0 });
    expect(await retireDueSlots(dataDir)).toEqual([{ app: APP, slot: 'green', releaseId: 'r2', pid: greenPid, outcome: 'kept: serves traffic again' }]);
    expect(isAlive(greenPid)).toBe(true);
  });
});
