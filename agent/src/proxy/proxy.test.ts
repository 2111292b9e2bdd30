import type { ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentPaths } from '../paths.js';
import { freePort, startVersionApp, tempDataDir, waitFor } from '../../test-fixtures/helpers.js';
import { ProxyClient, ProxyError, runProxy } from './index.js';
import { loadRoutes } from './route-file.js';

let dataDir: string;
let cleanup: () => Promise<void>;
let stopProxy: AbortController;
let proxyDone: Promise<void>;
let client: ProxyClient;
const apps: ChildProcess[] = [];

const startApp = (version: string) => startVersionApp(version, apps);

/** GET over one explicit keep-alive agent, so we can watch the client connection survive switches. */
function get(port: number, path: string, agent?: http.Agent): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, socket: req.socket as net.Socket }));
    });
    req.on('error', reject);
  });
}

beforeEach(async () => {
  ({ dir: dataDir, cleanup } = await tempDataDir());
  stopProxy = new AbortController();
  proxyDone = runProxy({ dataDir, host: '127.0.0.1', signal: stopProxy.signal, shutdownGraceMs: 1000, log: () => undefined });
  client = ProxyClient.forDataDir(dataDir);
  await waitFor(() => client.status().catch(() => null), 5000, 'proxy control socket');
});
afterEach(async () => {
  stopProxy.abort();
  await proxyDone;
  for (const a of apps.splice(0)) a.kill('SIGKILL');
  await cleanup();
});

describe('traffic proxy (in-process)', () => {
  it('forwards to the active slot with X-Forwarded-* headers and no hop-by-hop headers', async () => {
    const blue = await startApp('1');
    const listenPort = await freePort();
    const result = await client.switch({ app: 'shop-prod', listenPort, slot: 'blue', targetPort: blue, drainMs: 1000 });
    expect(result).toMatchObject({ previous: null, changed: true, route: { app: 'shop-prod', slot: 'blue', targetPort: blue } });

    expect((await get(listenPort, '/')).body).toBe('version=1');
    const res = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: listenPort, path: '/headers', headers: { 'x-forwarded-for': '10.1.2.3', 'keep-alive': 'timeout=5', connection: 'keep-alive, x-secret', 'x-secret': 'hop' } }, (r) => {
        let b = '';
        r.on('data', (c: Buffer) => (b += c.toString()));
        r.on('end', () => resolve(b));
      });
      req.on('error', reject);
    });
    const headers = JSON.parse(res) as Record<string, string>;
    expect(headers['x-forwarded-for']).toBe('10.1.2.3, 127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe(`127.0.0.1:${listenPort}`);
    expect(headers['x-secret']).toBeUndefined();
    expect(headers['keep-alive']).toBeUndefined();
  });

  it('streams request and response bodies without buffering them whole', async () => {
    const blue = await startApp('1');
    const listenPort = await freePort();
    await client.switch({ app: 'shop-prod', listenPort, slot: 'blue', targetPort: blue, drainMs: 1000 });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const received = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: listenPort, method: 'POST', path: '/echo' }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve(n));
      });
      req.on('error', reject);
      // Chunked upload of 8 MiB, written as the socket drains.
      let left = 128;
      const write = (): void => {
        while (left > 0) {
          left--;
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    expect(received).toBe(128 * 64 * 1024);
  });

  it('a client keep-alive connection stays open across a switch and its next request goes to the new slot', async () => {
    const [blue, green] = [await startApp('1'), await startApp('2')];
    const listenPort = await freePort();
    await client.switch({ app: 'shop-prod', listenPort, slot: 'blue', targetPort: blue, drainMs: 1000 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await get(listenPort, '/', agent);
    const switched = await client.switch({ app: 'shop-prod', listenPort, slot: 'green', targetPort: green, drainMs: 1000 });
    expect(switched.previous).toEqual({ slot: 'blue', targetPort: blue });
    const second = await get(listenPort, '/', agent);
    expect([first.body, second.body]).toEqual(['version=1', 'version=2']);
    expect(second.socket).toBe(first.socket);
    agent.destroy();
    // Switching to where it already points changes nothing.
    expect((await client.switch({ app: 'shop-prod', listenPort, slot: 'green', targetPort: green, drainMs: 1000 })).changed).toBe(false);
  });

  it('answers 502 with a short reason when the slot is down', async () => {
    const listenPort = await freePort();
    const dead = await freePort();
    await client.switch({ app: 'shop-prod', listenPort, slot: 'blue', targetPort: dead, drainMs: 0 });
    const res = await get(listenPort, '/');
    expect(res.status).toBe(502);
    expect(res.body).toBe(`502 Bad Gateway: slot blue (127.0.0.1:${dead}) failed: ECONNREFUSED\n`);
  });

  it('persists the route table atomically and keeps the control socket private', async () => {
    const blue = await startApp('1');
    const listenPort = await freePort();
    await client.switch({ app: 'shop-prod', listenPort, slot: 'blue', targetPort: blue, drainMs: 0 });
    expect(await loadRoutes(dataDir)).toEqual([expect.objectContaining({ app: 'shop-prod', listenPort, slot: 'blue', targetPort: blue })]);
    expect((await stat(agentPaths(dataDir).proxySocket)).mode & 0o777).toBe(0o600);
    expect(await client.routes()).toEqual(await loadRoutes(dataDir));
  });

  it('refuses malformed control requests and port conflicts with typed errors', async () => {
    const raw = (line: string) =>
      new Promise<string>((resolve) => {
        const s = net.connect(agentPaths(dataDir).proxySocket, () => s.write(`${line}\n`));
        s.on('data', (d) => {
          resolve(d.toString().trim());
          s.destroy();
        });
      });
    expect(JSON.parse(await raw('{nope'))).toEqual({ ok: false, code: 'BAD_REQUEST', message: 'request is not valid JSON' });
    expect(JSON.parse(await raw('{"op":"switch","app":"../etc","listenPort":1,"slot":"blue","targetPort":2,"drainMs":0}'))).toMatchObject({ ok: false, code: 'BAD_REQUEST', message: expect.stringContaining('app') });

    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const takenPort = (taken.address() as net.AddressInfo).port;
    const err = await client.switch({ app: 'other', listenPort: takenPort, slot: 'blue', targetPort: 1, drainMs: 0 }).catch((e: unknown) => e);
    taken.close();
    expect(err).toBeInstanceOf(ProxyError);
    expect(err).toMatchObject({ code: 'LISTEN_FAILED', message: expect.stringContaining('EADDRINUSE') });
    expect(await client.routes()).toEqual([]);
  });
  it('waits for a response whose first byte comes after the upstream pool\'s idle timeout (4 s)', { timeout: 20_000 }, async () => {
    const slow = http.createServer((_req, res) => void setTimeout(() => res.end('late'), 4_500));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const listenPort = await freePort();
      await client.switch({ app: 'shop-prod', listenPort, slot: 'blue', targetPort: (slow.address() as net.AddressInfo).port, drainMs: 0 });
      expect(await get(listenPort, '/')).toMatchObject({ status: 200, body: 'late' });
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });
});
