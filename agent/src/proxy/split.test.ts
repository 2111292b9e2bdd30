import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { slotWindow } from '@devflow/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort, startVersionApp, tempDataDir, waitFor } from '../../test-fixtures/helpers.js';
import { ProxyClient, ProxyError, runProxy } from './index.js';
import { loadRoutes } from './route-file.js';

const APP = 'shop-prod';
let dataDir: string;
let cleanup: () => Promise<void>;
let stopProxy: AbortController;
let proxyDone: Promise<void>;
let client: ProxyClient;
const apps: ChildProcess[] = [];

interface Reply {
  status: number;
  version: string;
  setCookie: string | undefined;
}

/** One GET on a fresh connection, as a client at `address` (X-Forwarded-For) with `cookie`, if any. */
function get(port: number, options: { address?: string; cookie?: string; path?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.address) headers['x-forwarded-for'] = options.address;
  if (options.cookie) headers.cookie = options.cookie;
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: options.path ?? '/', headers, agent: false }, (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, version: String(res.headers['x-version'] ?? ''), setCookie: res.headers['set-cookie']?.[0] }),
        );
      })
      .on('error', reject);
  });
}

/** The `name=value` part of a Set-Cookie line. */
const cookieOf = (setCookie: string | undefined): string => (setCookie ?? '').split(';')[0]!;

async function startProxy(): Promise<void> {
  stopProxy = new AbortController();
  proxyDone = runProxy({ dataDir, host: '127.0.0.1', signal: stopProxy.signal, shutdownGraceMs: 500, log: () => undefined });
  client = ProxyClient.forDataDir(dataDir);
  await waitFor(() => client.status().catch(() => null), 5000, 'proxy control socket');
}

beforeEach(async () => {
  ({ dir: dataDir, cleanup } = await tempDataDir());
  await startProxy();
});
afterEach(async () => {
  stopProxy.abort();
  await proxyDone;
  for (const a of apps.splice(0)) a.kill('SIGKILL');
  await cleanup();
});

async function splitRoute(weight: number, canaryEnv: Record<string, string> = {}) {
  const [blue, green, listenPort] = await Promise.all([startVersionApp('1', apps), startVersionApp('2', apps, canaryEnv), freePort()]);
  await client.switch({ app: APP, listenPort, slot: 'blue', targetPort: blue, drainMs: 500 });
  await client.split({ app: APP, canary: { slot: 'green', targetPort: green }, weight, drainMs: 500 });
  return { blue, green, listenPort };
}

describe('traffic split (in-process proxy)', () => {
  it('sends the weight share of clients to the canary, sets a cookie that keeps each client where it is, also across a step change', async () => {
    const { listenPort } = await splitRoute(30);
    const clients = Array.from({ length: 200 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    const first = await Promise.all(clients.map((address) => get(listenPort, { address })));
    const canaryShare = first.filter((r) => r.version === '2').length / first.length;
    // 200 address hashes around 30%: far from both 0 and 100, close to the weight.
    expect(canaryShare).toBeGreaterThan(0.18);
    expect(canaryShare).toBeLessThan(0.42);
    expect(first.every((r) => r.setCookie?.startsWith(`devflow-split-${APP}=`) && r.setCookie.includes('HttpOnly'))).toBe(true);

    // Without the cookie, the same address lands on the same side every time.
    const again = await Promise.all(clients.slice(0, 40).map((address) => get(listenPort, { address })));
    expect(again.map((r) => r.version)).toEqual(first.slice(0, 40).map((r) => r.version));

    // With the cookie, from another address (a phone changing networks): same version, no new cookie.
    const cookies = first.map((r) => cookieOf(r.setCookie));
    const withCookie = await Promise.all(cookies.map((cookie) => get(listenPort, { cookie: `other=1; ${cookie}`, address: '192.0.2.1' })));
    expect(withCookie.map((r) => r.version)).toEqual(first.map((r) => r.version));
    expect(withCookie.every((r) => r.setCookie === undefined)).toBe(true);

    // Step 30% -> 60%: every canary client stays on the canary; baseline clients move only if the new weight covers them.
    await client.split({ app: APP, canary: { slot: 'green', targetPort: (await client.status()).routes[0]!.canary!.targetPort }, weight: 60, drainMs: 500 });
    const after = await Promise.all(cookies.map((cookie) => get(listenPort, { cookie })));
    first.forEach((r, i) => {
      const bucket = Number(cookies[i]!.split('=')[1]);
      expect(after[i]!.version).toBe(r.version === '2' || bucket < 6000 ? '2' : '1');
    });
    const moved = after.filter((r, i) => r.version !== first[i]!.version);
    expect(moved.every((r) => r.version === '2')).toBe(true);
  });

  it('counts requests, 5xx, latency and connection errors per slot, readable as a window', async () => {
    const { listenPort } = await splitRoute(50, { FAIL_EVERY: '5' });
    const before = (await client.stats(APP)).split!;
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => get(listenPort, { address: `10.1.0.${i}` })));
    const stats = (await client.stats(APP)).split!;
    expect(stats.weight).toBe(50);
    const canary = slotWindow(before.canary.stats, stats.canary.stats);
    const baseline = slotWindow(before.baseline.stats, stats.baseline.stats);
    const onCanary = replies.filter((r) => r.version === '2');
    expect(canary.requests).toBe(onCanary.length);
    expect(baseline.requests).toBe(100 - onCanary.length);
    // Errors only on the canary, every one of them counted.
    expect(canary.errors5xx).toBe(onCanary.filter((r) => r.status === 500).length);
    expect(canary.errors5xx).toBe(Math.floor(onCanary.length / 5));
    expect(baseline.errors5xx).toBe(0);
    expect(replies.filter((r) => r.version === '1').every((r) => r.status === 200)).toBe(true);
    expect(canary.p99Ms).toBeGreaterThan(0);
    expect(baseline.p95Ms).toBeGreaterThan(0);

    // A canary port nothing listens on: the proxy's own 502s are connection errors of that slot.
    const dead = await freePort();
    await client.split({ app: APP, canary: { slot: 'green', targetPort: dead }, weight: 100, drainMs: 500 });
    const failed = await get(listenPort, { address: '10.9.9.9' });
    expect(failed.status).toBe(502);
    const deadStats = (await client.stats(APP)).split!.canary.stats;
    expect(deadStats).toMatchObject({ requests: 1, connectionErrors: 1, errors5xx: 0 });
  });

  it('sends a WebSocket upgrade where the client is assigned', async () => {
    const { listenPort } = await splitRoute(50);
    const echo = (cookie: string) =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${listenPort}/`, { headers: { cookie } });
        ws.on('open', () => ws.send('hi'));
        ws.on('message', (data: Buffer) => {
          resolve(data.toString());
          ws.close();
        });
        ws.on('error', reject);
      });
    expect(await echo(`devflow-split-${APP}=10`)).toBe('2:hi');
    expect(await echo(`devflow-split-${APP}=9990`)).toBe('1:hi');
  });

  it('ends a split (all traffic on the baseline), promotes by switching to the canary, and keeps a split across a proxy restart', async () => {
    const { blue, green, listenPort } = await splitRoute(100);
    expect((await get(listenPort)).version).toBe('2');
    expect((await loadRoutes(dataDir))[0]!.split).toEqual({ slot: 'green', targetPort: green, weight: 100 });

    stopProxy.abort();
    await proxyDone;
    await startProxy();
    expect((await get(listenPort, { address: '10.2.0.1' })).version).toBe('2');

    const ended = await client.split({ app: APP, canary: null, weight: 0, drainMs: 500 });
    expect(ended.previous?.canary.stats.requests).toBe(1);
    expect(ended.route.split).toBeUndefined();
    const plain = await get(listenPort, { cookie: `devflow-split-${APP}=1` });
    expect(plain).toMatchObject({ version: '1', setCookie: undefined });
    expect((await client.stats(APP)).split).toBeNull();

    await client.split({ app: APP, canary: { slot: 'green', targetPort: green }, weight: 5, drainMs: 500 });
    const promoted = await client.switch({ app: APP, listenPort, slot: 'green', targetPort: green, drainMs: 500 });
    expect(promoted).toMatchObject({ changed: true, previous: { slot: 'blue', targetPort: blue }, route: { slot: 'green' } });
    expect(promoted.route.split).toBeUndefined();
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => get(listenPort, { address: `10.3.0.${i}` })));
    expect(all.every((r) => r.version === '2' && r.setCookie === undefined)).toBe(true);
  });

  it('refuses a split without a route, a canary equal to the baseline and a weight out of range', async () => {
    const bad = async (req: Record<string, unknown>) => {
      const err = await client.request({ op: 'split', app: APP, drainMs: 500, ...req } as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProxyError);
      return err as ProxyError;
    };
    expect((await bad({ canary: { slot: 'green', targetPort: 4000 }, weight: 5 })).message).toMatch(/has no route/);
    const blue = await startVersionApp('1', apps);
    const listenPort = await freePort();
    await client.switch({ app: APP, listenPort, slot: 'blue', targetPort: blue, drainMs: 500 });
    expect((await bad({ canary: { slot: 'blue', targetPort: blue }, weight: 5 })).message).toMatch(/another slot/);
    expect((await bad({ canary: { slot: 'green', targetPort: 4000 }, weight: 101 })).code).toBe('BAD_REQUEST');
    expect((await bad({ canary: { slot: 'green', targetPort: 4000 }, weight: 2.555 })).message).toMatch(/two decimals/);
    expect((await client.status()).routes[0]!.split).toBeUndefined();
  });
});
