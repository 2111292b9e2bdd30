import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleEntry } from '../../test-fixtures/build-entry.js';
import { fixturesDir, freePort, httpGet, isAlive, makeRelease, stepContext, tempDataDir, versionApp, waitFor, waitListening } from '../../test-fixtures/helpers.js';
import { createLogger, type Logger } from '../logs/logger.js';
import { slotStart, slotStop } from '../supervisor/index.js';
import { createTrafficSwitch, ProxyClient } from './index.js';
import { saveRoutes } from './route-file.js';
import { watchProxy } from './watchdog.js';

/** The agent starts a proxy that died (quick start, --no-systemd): blue-green apps must not stay unreachable. */
const APP = 'shop-prod';
let dataDir: string;
let cleanup: () => Promise<void>;
let entry: string;
let stopWatch: () => void = () => undefined;
const lines: string[] = [];
const log: Logger = createLogger('info', (l) => lines.push(l));
const proxyStatus = () => ProxyClient.forDataDir(dataDir).status().catch(() => null);

beforeEach(async () => {
  ({ dir: dataDir, cleanup } = await tempDataDir());
  entry = await bundleEntry(join(fixturesDir, 'proxy-entry.ts'), dataDir, 'devflow-agent');
  lines.length = 0;
});
afterEach(async () => {
  stopWatch();
  await slotStop({ kind: 'slot.stop', app: APP, slot: 'blue', graceMs: 500, timeoutMs: 10_000 }, stepContext(dataDir));
  const status = await proxyStatus();
  if (status) {
    process.kill(status.pid, 'SIGTERM');
    await waitFor(() => !isAlive(status.pid), 20_000, 'proxy to exit');
  }
  await cleanup();
});

/** Release r1 running on slot blue, behind a proxy started the way a deployment starts it. */
async function serveThroughProxy(): Promise<{ listenPort: number; bluePort: number }> {
  await makeRelease(dataDir, APP, 'r1');
  const listenPort = await freePort();
  const bluePort = await freePort();
  await slotStart({ kind: 'slot.start', app: APP, slot: 'blue', releaseId: 'r1', argv: [process.execPath, versionApp], port: bluePort, env: { VERSION: '1' }, timeoutMs: 30_000 }, stepContext(dataDir));
  await waitListening(bluePort);
  await createTrafficSwitch({ entry, host: '127.0.0.1' })({ kind: 'traffic.switch', app: APP, listenPort, slot: 'blue', targetPort: bluePort, drainMs: 1000, timeoutMs: 30_000 }, stepContext(dataDir));
  return { listenPort, bluePort };
}

describe('proxy watchdog', () => {
  it('starts a killed proxy again with its saved routes, and logs it', async () => {
    const { listenPort, bluePort } = await serveThroughProxy();
    const first = await proxyStatus();
    expect((await httpGet(listenPort)).body).toBe('version=1');

    stopWatch = watchProxy({ dataDir, log, intervalMs: 100, missesBeforeStart: 2, proxy: { entry, host: '127.0.0.1' } });
    process.kill(first!.pid, 'SIGKILL');
    await waitFor(() => !isAlive(first!.pid), 20_000, 'proxy to die');
    await waitFor(async () => (await httpGet(listenPort).catch(() => null))?.body === 'version=1', 15_000, 'the app to answer through a new proxy');
    const second = await proxyStatus();
    expect(second?.pid).not.toBe(first!.pid);
    expect(second?.routes.map((r) => [r.app, r.slot, r.targetPort])).toEqual([[APP, 'blue', bluePort]]);
    // A running proxy is left alone: no second start.
    await new Promise((r) => setTimeout(r, 500));
    expect((await proxyStatus())?.pid).toBe(second?.pid);
    expect(lines.filter((l) => l.includes('started it again'))).toHaveLength(1);
  }, 60_000);

  it('replaces a hung proxy (alive but not answering its control socket)', async () => {
    const { listenPort } = await serveThroughProxy();
    const hung = (await proxyStatus())!;
    process.kill(hung.pid, 'SIGSTOP');
    try {
      stopWatch = watchProxy({ dataDir, log, intervalMs: 100, missesBeforeStart: 2, probeTimeoutMs: 300, proxy: { entry, host: '127.0.0.1' } });
      await waitFor(async () => (await httpGet(listenPort).catch(() => null))?.body === 'version=1', 20_000, 'the app to answer through a new proxy');
      expect(isAlive(hung.pid)).toBe(false);
      expect((await proxyStatus())?.pid).not.toBe(hung.pid);
      expect(lines.join('')).toMatch(/the traffic proxy does not answer on its control socket; killing it/);
    } finally {
      if (isAlive(hung.pid)) process.kill(hung.pid, 'SIGKILL');
    }
  }, 60_000);

  it('starts none when no app has a route', async () => {
    stopWatch = watchProxy({ dataDir, log, intervalMs: 50, missesBeforeStart: 1, proxy: { entry, host: '127.0.0.1' } });
    await saveRoutes(dataDir, []);
    await new Promise((r) => setTimeout(r, 400));
    expect(await proxyStatus()).toBeNull();
    expect(lines).toEqual([]);
  }, 30_000);
});
