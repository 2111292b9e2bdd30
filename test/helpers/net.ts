import { readFileSync } from 'node:fs';
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

/**
 * Test ports come from below the kernel's ephemeral range: outgoing connections take their local
 * ports from that range (Linux prefers even ones, bind(0) odd ones), so port + 1 of a bind(0)
 * port was often busy by the time an environment's default blue slot (port + 1) started there.
 */
const FIRST_PORT = 10_000;
const EPHEMERAL_LOW = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

/** `count` consecutive ports free on 127.0.0.1-3 a moment ago (bound then released); the first of them. */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST_PORT + Math.floor(Math.random() * (EPHEMERAL_LOW - FIRST_PORT - count));
    const ports = Array.from({ length: count }, (_, i) => port + i);
    const bound = await Promise.all(ports.flatMap((p) => ['127.0.0.1', ...APP_HOSTS].map((host) => bindOnce(p, host))));
    if (bound.every((p) => p !== null)) return port;
  }
  throw new Error(`no run of ${count} loopback ports free on 127.0.0.1-3 after 200 attempts`);
}

/** A free loopback port whose next two are free too: an environment's default slot ports (port + 1, + 2). */
export function freePort(): Promise<number> {
  return freePortRun(3);
}

export async function httpGet(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text() };
}
