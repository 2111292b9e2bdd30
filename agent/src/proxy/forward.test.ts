import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../../test-fixtures/helpers.js';
import { ChunkedEnd } from './chunked.js';
import { ProxyServer } from './forward.js';
import { Router } from './router.js';

/**
 * HTTP/1.1 framing through the proxy's forwarder: a real upstream server in this process, the
 * Router's public listener, and raw client sockets on loopback so every byte is ours to check.
 */
let router: Router;
let listenPort: number;
const servers: net.Server[] = [];

async function listen<T extends net.Server>(server: T): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

async function route(targetPort: number, slot: 'blue' | 'green' = 'blue'): Promise<void> {
  await router.switch({ op: 'switch', app: 'shop-prod', listenPort, slot, targetPort, drainMs: 2000 });
}

/** Raw bytes in, everything the proxy sends back until it closes the connection (or `until` matches). */
function raw(bytes: string | Buffer, until?: (received: string) => boolean): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(listenPort, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (until?.(text)) {
        socket.destroy();
        resolve({ text, closed: false });
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, closed: true }));
  });
}

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

/** Answers by path; counts the TCP connections the proxy opened to it. */
function framingApp(): { server: http.Server; connections: () => number } {
  let connections = 0;
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/length') return void res.writeHead(200, { 'content-length': 10 }).end(req.method === 'HEAD' ? undefined : 'fixed body');
    if (path === '/chunked') {
      res.write('part one, ');
      setTimeout(() => res.end('part two'), 5);
      return;
    }
    if (path === '/204') return void res.writeHead(204).end();
    if (path === '/304') return void res.writeHead(304, { etag: '"x"' }).end();
    if (path === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(`${req.method} ${Buffer.concat(chunks).toString()} trailer=${req.trailers['x-sum'] ?? '-'}`));
      return;
    }
    res.end(`path=${path}`);
  });
  server.on('connection', () => connections++);
  return { server, connections: () => connections };
}

beforeEach(async () => {
  router = new Router({ host: '127.0.0.1', log: () => undefined });
  listenPort = await freePort();
});
afterEach(async () => {
  await router.close(100);
  for (const s of servers.splice(0)) {
    if (s instanceof http.Server) s.closeAllConnections();
    s.close();
  }
});

describe('proxy framing (raw sockets, real upstream)', () => {
  it('relays Content-Length, chunked, HEAD, 204 and 304 responses on one client and one upstream keep-alive connection', async () => {
    const app = framingApp();
    await route(await listen(app.server));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<net.Socket>();
    const request = (method: string, path: string) =>
      new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: listenPort, method, path, agent }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        });
        req.on('socket', (s) => sockets.add(s));
        req.on('error', reject).end();
      });
    expect(await request('GET', '/length')).toMatchObject({ status: 200, body: 'fixed body' });
    const chunked = await request('GET', '/chunked');
    expect(chunked).toMatchObject({ status: 200, body: 'part one, part two', headers: { 'transfer-encoding': 'chunked' } });
    expect(await request('HEAD', '/length')).toMatchObject({ status: 200, body: '', headers: { 'content-length': '10' } });
    expect(await request('GET', '/204')).toMatchObject({ status: 204, body: '' });
    expect(await request('GET', '/304')).toMatchObject({ status: 304, body: '', headers: { etag: '"x"' } });
    const last = await request('GET', '/length');
    expect(last).toMatchObject({ status: 200, body: 'fixed body' });
    expect(last.headers.connection).toBeUndefined();
    expect(last.headers['keep-alive']).toBeUndefined();
    expect(sockets.size).toBe(1);
    expect(app.connections()).toBe(1);
    agent.destroy();
  });

  it('answers pipelined requests in order, bodies included', async () => {
    await route(await listen(framingApp().server));
    const { text } = await raw(
      'GET /first HTTP/1.1\r\nHost: x\r\n\r\n' +
        'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
        'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
        'GET /last HTTP/1.1\r\nHost: x\r\n\r\n',
      (t) => t.includes('path=/last'),
    );
    const bodies = text.split('HTTP/1.1 200 OK').slice(1).map((r) => r.slice(r.indexOf('\r\n\r\n') + 4));
    expect(bodies).toEqual(['path=/first', 'POST hello trailer=-', expect.stringContaining('POST abc trailer=-'), 'path=/last']);
  });

  it('closes after the response when the client asks (Connection: close, HTTP/1.0), and keeps an HTTP/1.0 keep-alive connection open', async () => {
    await route(await listen(framingApp().server));
    for (const request of ['GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'GET /a HTTP/1.0\r\nHost: x\r\n\r\n']) {
      const { text, closed } = await raw(request);
      expect({ request, closed, connection: /\r\nConnection: close\r\n/.test(text), body: text.endsWith('\r\n\r\npath=/a') }).toEqual({ request, closed: true, connection: true, body: true });
    }
    // Keep-alive for HTTP/1.0 needs a response length (Node apps only give one when they set it).
    const kept = await raw('GET /length HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\nGET /length HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n', (t) => count(t, /fixed body/g) === 2);
    expect(kept.closed).toBe(false);
    expect(count(kept.text, /\r\nConnection: keep-alive\r\n/g)).toBe(2);
  });

  it('forwards a chunked upload split at odd places, trailers included', async () => {
    await route(await listen(framingApp().server));
    const socket = net.connect(listenPort, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    const pieces = ['POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', '5;ext=1\r', '\nhel', 'lo\r\n', 'A\r\n, world!!!\r', '\n0\r\nX-Sum: 42\r\n', '\r\n'];
    for (const piece of pieces) {
      socket.write(piece);
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => text.includes('trailer='), 5000, 'echo response');
    socket.destroy();
    expect(text).toContain('POST hello, world!!! trailer=42');
  });

  it('reads a response without length or chunking until the app closes, then closes the client connection', async () => {
    const upstream = net.createServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end'));
    });
    await route(await listen(upstream));
    const { text, closed } = await raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(closed).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain('Connection: close\r\n');
    expect(text.endsWith('\r\n\r\nuntil the end')).toBe(true);
  });

  it('answers 502 when the app\'s response is not HTTP', async () => {
    const upstream = net.createServer((s) => s.once('data', () => s.end('HELLO THERE\r\n\r\n')));
    const port = await listen(upstream);
    await route(port);
    const { text } = await raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n', (t) => /failed: \S+\n$/.test(t));
    expect(text).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(text).toContain(`502 Bad Gateway: slot blue (127.0.0.1:${port}) failed: EBADRESPONSE\n`);
  });

  it('refuses malformed requests with 400 and oversized heads with 431, closing the connection', async () => {
    await route(await listen(framingApp().server));
    const refused = [
      'NOT A REQUEST\r\n\r\n',
      'GET / HTTP/1.1\r\nHost : x\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n',
      'POST /echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      'POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
      'POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'GET / HTTP/1.1\nHost: x\n\n',
      'GET / HTTP/2.0\r\n\r\n',
    ];
    for (const request of refused) {
      const { text, closed } = await raw(request);
      expect({ request, status: text.slice(0, 12), closed }).toEqual({ request, status: 'HTTP/1.1 400', closed: true });
    }
    const big = await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    expect(big.text.slice(0, 12)).toBe('HTTP/1.1 431');
    expect(big.closed).toBe(true);
  });

  it('passes on an app\'s refusal of an upgrade as a plain response and closes the connection', async () => {
    await route(await listen(framingApp().server));
    const { text, closed } = await raw('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(closed).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain('Connection: close\r\n');
    expect(text.endsWith('\r\n\r\npath=/ws')).toBe(true);
  });

  it('relays the app\'s 100 Continue before the client sends its body', async () => {
    await route(await listen(framingApp().server));
    const socket = net.connect(listenPort, '127.0.0.1', () => socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n'));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    await waitFor(() => text.includes('100 Continue'), 5000, '100 Continue');
    expect(text).not.toContain('200 OK');
    socket.write('body');
    await waitFor(() => text.includes('POST body'), 5000, 'final response');
    socket.destroy();
  });

  it('retries an idempotent request once on a new connection when the reused one fails before answering; a POST gets 502', async () => {
    // Each connection answers one request with keep-alive, then resets on the next one: a stale pooled connection.
    const answer = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    let connections = 0;
    const upstream = net.createServer((s) => {
      const n = ++connections;
      let served = false;
      s.on('data', () => {
        if (served) return void s.resetAndDestroy();
        served = true;
        s.write(answer(`conn ${n}`));
      });
      s.on('error', () => undefined);
    });
    const port = await listen(upstream);
    await route(port);
    const first = await raw('GET /a HTTP/1.1\r\nHost: x\r\n\r\n', (t) => t.includes('conn 1'));
    expect(first.text).toContain('conn 1');
    const retried = await raw('GET /b HTTP/1.1\r\nHost: x\r\n\r\n', (t) => t.includes('conn '));
    expect(retried.text).toContain('conn 2');
    const post = await raw('POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi', (t) => /failed: \S+\n$/.test(t) || t.includes('conn '));
    expect(post.text).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(post.text).toContain(`502 Bad Gateway: slot blue (127.0.0.1:${port}) failed: ECONNRESET\n`);
  });

  it('a client that disconnects aborts its upstream request', async () => {
    let aborted = false;
    let started = false;
    const upstream = http.createServer((req, res) => {
      started = true;
      res.on('close', () => (aborted = !res.writableFinished));
    });
    await route(await listen(upstream));
    const socket = net.connect(listenPort, '127.0.0.1', () => socket.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n'));
    await waitFor(() => started, 5000, 'request at the app');
    socket.destroy();
    await waitFor(() => aborted, 5000, 'upstream request aborted');
  });

  it('closes idle upstream connections at a switch, and a busy one right after its response', async () => {
    let open = 0;
    let release: () => void = () => undefined;
    const blue = http.createServer((req, res) => {
      if (req.url === '/wait') release = () => res.end('late');
      else res.end('blue');
    });
    blue.on('connection', (s: net.Socket) => {
      open++;
      s.on('close', () => open--);
    });
    await route(await listen(blue));
    const agent = new http.Agent({ keepAlive: true });
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: listenPort, path, agent }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        }).on('error', reject);
      });
    // One upstream connection stays busy, a second one serves a request next to it and goes idle.
    const waiting = get('/wait');
    await waitFor(() => open === 1, 5000, 'the busy request at the app');
    expect(await get('/')).toBe('blue');
    expect(open).toBe(2);
    const green = http.createServer((_req, res) => res.end('green'));
    await route(await listen(green), 'green');
    await waitFor(() => open === 1, 5000, 'idle blue connections closed');
    expect(await get('/')).toBe('green');
    release();
    expect(await waiting).toBe('late');
    await waitFor(() => open === 0, 5000, 'busy blue connection closed after its response');
    agent.destroy();
  });
});

describe('ProxyServer', () => {
  it('a failure of its own on one connection is logged and closes that connection, not the process', async () => {
    const lines: string[] = [];
    const server = new ProxyServer(() => {
      throw new Error('no upstream for you');
    }, (line) => lines.push(line));
    listenPort = await listen(server);
    const { text, closed } = await raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect({ text, closed }).toEqual({ text: '', closed: true });
    expect(lines).toEqual([expect.stringContaining('internal error, client connection closed: Error: no upstream for you')]);
  });
});

describe('ProxyServer slow request heads', () => {
  it('answers 408 and closes when a request head is still incomplete after the head timeout', async () => {
    const server = new ProxyServer(() => {
      throw new Error('never picked');
    }, () => undefined, 200);
    listenPort = await listen(server);
    const socket = net.connect(listenPort, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\n'));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((r) => setTimeout(r, 100));
    socket.write('Host: x\r\n');
    expect(text).toBe('');
    await new Promise((r) => setTimeout(r, 250));
    socket.write('Accept: */*\r\n');
    await closed;
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[^]*request head not complete within 200 ms\n$/);
  });
});

describe('ChunkedEnd', () => {
  const body = Buffer.from('4;a=b\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n');

  it('finds the end of a chunked body wherever the bytes are split', () => {
    const tracker = new ChunkedEnd();
    for (let split = 0; split <= body.length; split++) {
      const withNext = Buffer.concat([body, Buffer.from('GET /next')]);
      const first = tracker.find(withNext.subarray(0, split));
      const end = first >= 0 ? first : split + tracker.find(withNext.subarray(split));
      expect({ split, end }).toEqual({ split, end: body.length });
    }
  });

  it('refuses malformed framing', () => {
    for (const bad of ['x\r\n', '4\r\nWikiXX', '\r\n', 'fffffffffffff\r\n', '4\n']) {
      expect(() => new ChunkedEnd().find(Buffer.from(bad)), bad).toThrow();
    }
  });
});
