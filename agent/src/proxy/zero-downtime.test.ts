import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HealthCheckStep, SlotName } from '@devflow/protocol';
import { healthCheck } from '../health/index.js';
import { adoptSlots, slotStart, slotStatus, slotStop } from '../supervisor/index.js';
import { bundleEntry } from '../../test-fixtures/build-entry.js';
import { fixturesDir, freePort, makeRelease, stepContext, tempDataDir, versionApp, waitFor, isAlive } from '../../test-fixtures/helpers.js';
import { Load, onlyForward } from '../../test-fixtures/load-process.js';
import { createTrafficSwitch, ensureProxy, ProxyClient } from './index.js';

/**
 * Blue-green on one server with real processes: the proxy as its own process (started by
 * traffic.switch like the agent does), apps started by the slot supervisor, load from a separate
 * process with keep-alive connections.
 */
const APP = 'shop-prod';
let dataDir: string;
let cleanup: () => Promise<void>;
let entry: string;
let listenPort: number;
let ports: Record<'blue' | 'green', number>;
let active: 'blue' | 'green' | null;
let load: Load | null;
let trafficSwitch: ReturnType<typeof createTrafficSwitch>;

async function deploy(version: number, opts: { drainMs?: number; env?: Record<string, string>; deadlineMs?: number } = {}): Promise<{ switchedAt: number; healthyAt: number }> {
  const slot = active === 'blue' ? 'green' : 'blue';
  const ctx = stepContext(dataDir);
  await makeRelease(dataDir, APP, `r${version}`);
  await slotStart({ kind: 'slot.start', app: APP, slot, releaseId: `r${version}`, argv: [process.execPath, versionApp], port: ports[slot], env: { VERSION: String(version), ...opts.env }, timeoutMs: 30_000 }, ctx);
  const health = await healthCheck(
    HealthCheckStep.parse({ kind: 'health.check', url: `http://127.0.0.1:${ports[slot]}/up`, intervalMs: 20, deadlineMs: opts.deadlineMs ?? 20_000, slot: { app: APP, slot }, timeoutMs: 30_000 }),
    ctx,
  );
  const sw = await trafficSwitch({ kind: 'traffic.switch', app: APP, listenPort, slot, targetPort: ports[slot], drainMs: opts.drainMs ?? 10_000, timeoutMs: 30_000 }, ctx);
  active = slot;
  return { switchedAt: sw.output?.switchedAt as number, healthyAt: health.output?.healthyAt as number };
}

beforeEach(async () => {
  ({ dir: dataDir, cleanup } = await tempDataDir());
  entry = await bundleEntry(join(fixturesDir, 'proxy-entry.ts'), dataDir, 'devflow-agent');
  trafficSwitch = createTrafficSwitch({ entry, host: '127.0.0.1' });
  listenPort = await freePort();
  ports = { blue: await freePort(), green: await freePort() };
  active = null;
  load = null;
});
afterEach(async () => {
  load?.kill();
  for (const slot of SlotName.options) await slotStop({ kind: 'slot.stop', app: APP, slot, graceMs: 500, timeoutMs: 10_000 }, stepContext(dataDir));
  const status = await ProxyClient.forDataDir(dataDir).status().catch(() => null);
  if (status) {
    process.kill(status.pid, 'SIGTERM');
    await waitFor(() => !isAlive(status.pid), 5000, 'proxy to exit');
  }
  await cleanup();
});

describe('zero-downtime blue-green through the proxy process', () => {
  it('20 consecutive deployments under keep-alive load: zero failed or reset requests, versions only move forward', { timeout: 120_000 }, async () => {
    await deploy(1);
    load = await Load.start(listenPort, { connections: 8, rate: 800 });
    await load.waitSeen(1);
    const switchDelays: number[] = [];
    for (let v = 2; v <= 21; v++) {
      const { switchedAt, healthyAt } = await deploy(v);
      switchDelays.push(switchedAt - healthyAt);
      await load.waitSeen(v); // the load really ran across this switch
    }
    const summary = await load.stop();
    load = null;
    console.log(`20 switches: ${summary.ok} ok at ${summary.rps} req/s, healthy->switched max ${Math.max(...switchDelays)} ms`);
    expect({ failed: summary.failed, reset: summary.reset, incomplete: summary.incomplete, errors: summary.errors }).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    expect(onlyForward(summary)).toBe(true);
    expect(new Set(summary.perConnection.flatMap((c) => c.runs.map((r) => r[0]))).has(21)).toBe(true);
    // Client keep-alive connections survived the switches (no reconnect per switch).
    expect(Math.max(...summary.perConnection.map((c) => c.sockets))).toBeLessThan(5);
  });

  it('a warm rollback and a release that never gets healthy cause no failed request', { timeout: 60_000 }, async () => {
    await deploy(1);
    await deploy(2);
    load = await Load.start(listenPort, { connections: 4, rate: 500 });
    await load.waitSeen(2);
    const ctx = stepContext(dataDir);
    const rolledBack = await trafficSwitch({ kind: 'traffic.switch', app: APP, listenPort, slot: 'blue', targetPort: ports.blue, drainMs: 5000, timeoutMs: 10_000 }, ctx);
    expect(rolledBack.output).toMatchObject({ changed: true, previousSlot: 'green' });
    active = 'blue';
    await waitFor(async () => (await get(listenPort)).body === 'version=1');

    // v3 fails its health check on the idle slot: it is stopped and traffic never moves.
    await expect(deploy(3, { env: { HEALTH: 'fail' }, deadlineMs: 2000 }).catch((e: Error) => Promise.reject(new Error(e.message)))).rejects.toThrow(/health check failed/);
    await slotStop({ kind: 'slot.stop', app: APP, slot: 'green', graceMs: 2000, timeoutMs: 10_000 }, ctx);
    expect((await get(listenPort)).body).toBe('version=1');

    const summary = await load.stop();
    load = null;
    expect({ failed: summary.failed, reset: summary.reset, errors: summary.errors }).toEqual({ failed: 0, reset: 0, errors: {} });
    expect(summary.perConnection.every((c) => c.runs.at(-1)?.[0] === 1)).toBe(true);
  });

  it('a 5 s streaming response in flight at switch time completes fully from the old release', { timeout: 60_000 }, async () => {
    await deploy(1);
    const stream = new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: listenPort, path: '/slow?seconds=5' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      }).on('error', reject);
    });
    await waitFor(async () => (await ProxyClient.forDataDir(dataDir).status()).routes[0]?.active.inflight === 1);
    await deploy(2, { drainMs: 30_000 });
    expect((await get(listenPort)).body).toBe('version=2');
    const status = await ProxyClient.forDataDir(dataDir).status();
    expect(status.routes[0]?.draining).toEqual([{ slot: 'blue', targetPort: ports.blue, inflight: 1, websockets: 0 }]);
    const body = await stream;
    expect(body.split('\n').filter((l) => l.startsWith('version=1 chunk')).length).toBe(50);
    expect(body.endsWith('done\n')).toBe(true);
    await waitFor(async () => (await ProxyClient.forDataDir(dataDir).status()).routes[0]?.draining.length === 0, 5000, 'old slot drained');
  });

  it('a WebSocket opened before a switch keeps working until the drain time is up', { timeout: 60_000 }, async () => {
    await deploy(1);
    const ws = new WebSocket(`ws://127.0.0.1:${listenPort}/`);
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(d.toString()));
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise((r) => ws.once('close', r));
    ws.send('a');
    await waitFor(() => messages.length === 1);
    await deploy(2, { drainMs: 1500 });
    ws.send('b');
    await waitFor(() => messages.length === 2);
    expect(messages).toEqual(['1:a', '1:b']);

    const fresh = new WebSocket(`ws://127.0.0.1:${listenPort}/`);
    const reply = new Promise<string>((r) => fresh.once('message', (d) => r(d.toString())));
    fresh.once('open', () => fresh.send('c'));
    expect(await reply).toBe('2:c');
    fresh.close();
    await closed; // cut when blue's drain time ran out
    expect((await ProxyClient.forDataDir(dataDir).status()).routes[0]?.draining).toEqual([]);
  });

  it('a killed proxy comes back with its routes from the persisted table; an agent restart does not touch it', { timeout: 60_000 }, async () => {
    await deploy(1);
    await deploy(2);
    const client = ProxyClient.forDataDir(dataDir);
    const before = await client.status();
    // The proxy is its own detached process: nothing we do to the test ("agent") process reaches it.
    process.kill(before.pid, 'SIGKILL');
    await waitFor(() => !isAlive(before.pid), 5000, 'proxy to die');
    expect((await slotStatus(dataDir, APP, 'green')).state).toBe('running');

    const { status, started } = await ensureProxy(dataDir, { entry, host: '127.0.0.1' });
    expect(started).toBe(true);
    expect(status.pid).not.toBe(before.pid);
    expect(status.routes.map(({ app, listenPort: p, slot, targetPort }) => ({ app, p, slot, targetPort }))).toEqual([{ app: APP, p: listenPort, slot: 'green', targetPort: ports.green }]);
    expect((await get(listenPort)).body).toBe('version=2');
  });
  it('killing the agent process under load drops no request; the next agent re-adopts the slots and deploys', { timeout: 90_000 }, async () => {
    await makeRelease(dataDir, APP, 'r1');
    await makeRelease(dataDir, APP, 'r2');
    const agentEntry = await bundleEntry(join(fixturesDir, 'agent-deploy.ts'), dataDir, 'agent-deploy');
    const runAgent = async (version: number, slot: 'blue' | 'green') => {
      const job = { app: APP, version, slot, port: ports[slot], listenPort, appScript: versionApp };
      const child = spawn(process.execPath, [agentEntry, dataDir, entry, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(() => out.includes('deployed\n') || child.exitCode !== null, 30_000, `agent to deploy v${version}`);
      expect(out).toContain('deployed');
      return child;
    };

    const first = await runAgent(1, 'blue');
    load = await Load.start(listenPort, { connections: 8, rate: 800 });
    await load.waitSeen(1);
    first.kill('SIGKILL'); // the agent dies; proxy and app are their own processes
    await new Promise((r) => setTimeout(r, 300));
    expect((await adoptSlots(dataDir)).map((a) => a.status.state)).toContain('running');

    const second = await runAgent(2, 'green');
    await load.waitSeen(2);
    second.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const summary = await load.stop();
    load = null;
    expect({ failed: summary.failed, reset: summary.reset, incomplete: summary.incomplete, errors: summary.errors }).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    expect(onlyForward(summary)).toBe(true);
    const adopted = await adoptSlots(dataDir);
    expect(adopted.map((a) => [a.status.slot, a.status.state]).sort()).toEqual([['blue', 'running'], ['green', 'running']]);
  });
});

function get(port: number): Promise<{ status: number; body: string }> {
  return fetch(`http://127.0.0.1:${port}/`).then(async (r) => ({ status: r.status, body: await r.text() }));
}
