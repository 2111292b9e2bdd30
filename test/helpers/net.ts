import { createServer } from 'node:net';

/**
 * Loopback addresses the e2e agents bind their copies of the app to (see prepareAppDir): a port
 * is only handed out when it is free on every one of them, not just on 127.0.0.1.
 */
const APP_HOSTS = ['127.0.0.2', '127.0.0.3'];

function bindOnce(port: number, host: string): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen(port, host, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : null));
    });
  });
}

/** A free loopback port (bound then released). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await bindOnce(0, '127.0.0.1');
    if (port === null) continue;
    const elsewhere = await Promise.all(APP_HOSTS.map((host) => bindOnce(port, host)));
    if (elsewhere.every((p) => p === port)) return port;
  }
  throw new Error('no loopback port free on 127.0.0.1-3 after 20 attempts');
}

/** A free port whose next `count - 1` ports are free too (an environment's default slot ports are port + 1 and + 2). */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    const next = Array.from({ length: count - 1 }, (_, i) => port + 1 + i);
    if ((await Promise.all(next.map((p) => bindOnce(p, '127.0.0.1')))).every((p, i) => p === next[i])) return port;
  }
  throw new Error(`no run of ${count} free loopback ports after 50 attempts`);
}

export async function httpGet(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text() };
}
