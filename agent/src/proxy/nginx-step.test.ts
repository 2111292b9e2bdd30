import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { AgentError } from '../errors.js';
import { freePort, getOnNewConnection, isAlive, makeRelease, stepContext, tempDataDir, versionApp, waitFor, waitListening } from '../../test-fixtures/helpers.js';
import { NGINX_BIN, startNginx, type NginxInstance } from '../../test-fixtures/nginx-instance.js';
import { retireDueSlots, slotStart, slotStatus, slotStop } from '../supervisor/index.js';
import { writeNginxUpstream } from './nginx.js';
import { createNginxTrafficSwitch, readNginxUpstream } from './nginx-step.js';

const APP = 'shop-prod';

describe('devflow-agent run --nginx-upstream-dir', () => {
  it('selects the nginx driver, with the nginx command split into argv', () => {
    expect(loadConfig(['run', '--data-dir', '/d', '--nginx-upstream-dir', '/etc/nginx/devflow'], {})).toEqual({ command: 'run', dataDir: '/d', logLevel: 'info', nginx: { upstreamDir: '/etc/nginx/devflow', argv: ['nginx'] } });
    expect(loadConfig(['run', '--data-dir', '/d', '--nginx-upstream-dir', 'u', '--nginx-command', ' /usr/sbin/nginx  -c /etc/n.conf '], {})).toMatchObject({ nginx: { argv: ['/usr/sbin/nginx', '-c', '/etc/n.conf'] } });
    expect(loadConfig(['run', '--data-dir', '/d'], {})).not.toHaveProperty('nginx');
    expect(() => loadConfig(['run', '--nginx-command', 'nginx'], {})).toThrow(AgentError);
    expect(() => loadConfig(['proxy', '--nginx-upstream-dir', '/x'], {})).toThrow(/--nginx-upstream-dir is not valid for "proxy"/);
  });
});

describe.skipIf(NGINX_BIN === null)('traffic.switch through a private nginx', () => {
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let nginx: NginxInstance;
  let listenPort: number;
  let ports: Record<'blue' | 'green', number>;

  const start = (slot: 'blue' | 'green', releaseId: string, version: string) =>
    slotStart({ kind: 'slot.start', app: APP, slot, releaseId, argv: [process.execPath, versionApp], port: ports[slot], env: { VERSION: version }, timeoutMs: 30_000 }, stepContext(dataDir));
  const body = () => getOnNewConnection(listenPort);
  /** nginx's worker processes (children of the master named in the pid file). */
  const workers = (): number[] => {
    const master = readFileSync(join(dataDir, 'nginx.pid'), 'utf8').trim();
    return readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  };

  beforeEach(async () => {
    ({ dir: dataDir, cleanup } = await tempDataDir());
    listenPort = await freePort();
    ports = { blue: await freePort(), green: await freePort() };
    nginx = await startNginx(dataDir, listenPort, APP);
    for (const r of ['r1', 'r2']) await makeRelease(dataDir, APP, r);
  });
  afterEach(async () => {
    await nginx.stop();
    for (const slot of ['blue', 'green'] as const) await slotStop({ kind: 'slot.stop', app: APP, slot, graceMs: 500, timeoutMs: 10_000 }, stepContext(dataDir));
    await cleanup();
  });

  it('switches the upstream, schedules the old slot, and the sweep retires it by reading the upstream file', { timeout: 30_000 }, async () => {
    await start('blue', 'r1', '1');
    await start('green', 'r2', '2');
    await waitListening(ports.blue);
    await waitListening(ports.green);
    await writeNginxUpstream(nginx.upstreamDir, APP, 'blue', ports.blue);
    nginx.start();
    await waitFor(async () => (await body().catch(() => '')) === 'version=1', 5000, 'nginx to serve blue');
    const blue = await slotStatus(dataDir, APP, 'blue');
    const bluePid = blue.state === 'running' ? blue.pid : 0;

    const nginxSwitch = createNginxTrafficSwitch({ upstreamDir: nginx.upstreamDir, nginxArgv: nginx.argv });
    const spec = { kind: 'traffic.switch' as const, app: APP, listenPort, slot: 'green' as const, targetPort: ports.green, drainMs: 30_000, stopPreviousAfterMs: 0, timeoutMs: 30_000 };
    const ctx = stepContext(dataDir);
    const oldWorkers = workers();
    const out = await nginxSwitch(spec, ctx);
    expect(out.output).toMatchObject({ changed: true, previousSlot: 'blue', previousPort: ports.blue });
    expect(ctx.text()).toMatch(/nginx now sends new requests to green .*was blue/);
    expect(ctx.text()).toMatch(/blue \(release r1\) stays up as the rollback target until/);
    await waitFor(async () => (await body()) === 'version=2', 5000, 'nginx to serve green');
    // The reload is graceful: until the old worker has exited it may still take a new connection (and send it to blue).
    await waitFor(() => workers().every((pid) => !oldWorkers.includes(pid)), 10_000, "nginx's old worker to exit");
    expect(await readNginxUpstream(nginx.upstreamDir, APP)).toEqual({ slot: 'green', targetPort: ports.green });

    const activeSlotOf = async (app: string) => (await readNginxUpstream(nginx.upstreamDir, app))?.slot ?? null;
    expect(await retireDueSlots(dataDir, Date.now() + 1, activeSlotOf)).toEqual([{ app: APP, slot: 'blue', releaseId: 'r1', pid: bluePid, outcome: 'stopped' }]);
    expect(isAlive(bluePid)).toBe(false);
    expect(await body()).toBe('version=2');

    const again = await nginxSwitch(spec, stepContext(dataDir));
    expect(again.output).toMatchObject({ changed: false });
  });
});
