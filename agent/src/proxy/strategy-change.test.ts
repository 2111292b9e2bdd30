import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepSpecOf } from '@devflow/protocol';
import { bundleEntry } from '../../test-fixtures/build-entry.js';
import { fixturesDir, freePort, httpGet, isAlive, makeRelease, stepContext, tempDataDir, versionApp, waitFor, waitListening } from '../../test-fixtures/helpers.js';
import { slotStart, slotStatus, slotStop } from '../supervisor/index.js';
import { createTrafficSwitch, ProxyClient, trafficRemove } from './index.js';
import { loadRoutes, saveRoutes } from './route-file.js';

/**
 * An environment changing strategy on one server: in-place -> blue-green (the proxy takes the
 * public port from the in-place app) and blue-green -> in-place (the proxy gives the port up).
 */
const APP = 'shop-prod';
let dataDir: string;
let cleanup: () => Promise<void>;
let listenPort: number;
let bluePort: number;
let trafficSwitch: ReturnType<typeof createTrafficSwitch>;

const start = (slot: 'main' | 'blue', releaseId: string, port: number): StepSpecOf<'slot.start'> => ({
  kind: 'slot.start', app: APP, slot, releaseId, argv: [process.execPath, versionApp], port, env: { VERSION: releaseId.slice(1) }, timeoutMs: 30_000,
});
const remove = (): StepSpecOf<'traffic.remove'> => ({ kind: 'traffic.remove', app: APP, listenPort, drainMs: 1000, timeoutMs: 10_000 });

beforeEach(async () => {
  ({ dir: dataDir, cleanup } = await tempDataDir());
  for (const r of ['r1', 'r2', 'r3']) await makeRelease(dataDir, APP, r);
  listenPort = await freePort();
  bluePort = await freePort();
  trafficSwitch = createTrafficSwitch({ entry: await bundleEntry(join(fixturesDir, 'proxy-entry.ts'), dataDir, 'devflow-agent'), host: '127.0.0.1' });
});
afterEach(async () => {
  for (const slot of ['main', 'blue'] as const) await slotStop({ kind: 'slot.stop', app: APP, slot, graceMs: 500, timeoutMs: 10_000 }, stepContext(dataDir));
  const status = await ProxyClient.forDataDir(dataDir).status().catch(() => null);
  if (status) {
    process.kill(status.pid, 'SIGTERM');
    await waitFor(() => !isAlive(status.pid), 5000, 'proxy to exit');
  }
  await cleanup();
});

describe('strategy changes on a server', () => {
  it('in-place -> blue-green: the proxy takes the port from the stopped in-place app; back to in-place: the proxy frees it for the app', async () => {
    const inPlace = await slotStart(start('main', 'r1', listenPort), stepContext(dataDir));
    await waitListening(listenPort);
    expect((await httpGet(listenPort)).body).toBe('version=1');
    await slotStart(start('blue', 'r2', bluePort), stepContext(dataDir));
    await waitListening(bluePort);

    const ctx = stepContext(dataDir);
    const out = await trafficSwitch({ kind: 'traffic.switch', app: APP, listenPort, slot: 'blue', targetPort: bluePort, drainMs: 1000, takeOverFrom: { slot: 'main', graceMs: 2000 }, timeoutMs: 30_000 }, ctx);
    expect(out.output).toMatchObject({ changed: true, previousSlot: null });
    expect((await httpGet(listenPort)).body).toBe('version=2');
    expect(isAlive(inPlace.output?.pid as number)).toBe(false);
    expect((await slotStatus(dataDir, APP, 'main')).state).not.toBe('running');
    expect(ctx.text()).toMatch(/switching from in-place to blue-green: .*Requests may fail for that short moment/);
    expect(ctx.text()).toMatch(/the proxy listens on :\d+ \d+ ms after the in-place app was asked to stop/);

    const removeCtx = stepContext(dataDir);
    expect((await trafficRemove(remove(), removeCtx)).output).toEqual({ removed: true });
    expect(removeCtx.text()).toMatch(/the proxy no longer listens on :\d+ \(it sent traffic to blue:\d+\)/);
    await slotStart(start('main', 'r3', listenPort), stepContext(dataDir));
    await waitListening(listenPort);
    expect((await httpGet(listenPort)).body).toBe('version=3');
    expect(await loadRoutes(dataDir)).toEqual([]);
  });

  it('a switch that may take over from an in-place app is a plain switch when none runs (the first deployment)', async () => {
    await slotStart(start('blue', 'r2', bluePort), stepContext(dataDir));
    await waitListening(bluePort);
    const ctx = stepContext(dataDir);
    await trafficSwitch({ kind: 'traffic.switch', app: APP, listenPort, slot: 'blue', targetPort: bluePort, drainMs: 1000, takeOverFrom: { slot: 'main', graceMs: 2000 }, timeoutMs: 30_000 }, ctx);
    expect((await httpGet(listenPort)).body).toBe('version=2');
    expect(ctx.text()).not.toMatch(/in-place/);
  });

  it('traffic.remove without a running proxy drops the saved route, so a proxy started later does not take the port back', async () => {
    await saveRoutes(dataDir, [{ app: APP, listenPort, slot: 'green', targetPort: bluePort, switchedAt: 1 }]);
    const ctx = stepContext(dataDir);
    expect((await trafficRemove(remove(), ctx)).output).toEqual({ removed: true });
    expect(ctx.text()).toMatch(/no traffic proxy is running; removed its saved route/);
    expect(await loadRoutes(dataDir)).toEqual([]);
    expect((await trafficRemove(remove(), stepContext(dataDir))).output).toEqual({ removed: false });
  });
});
