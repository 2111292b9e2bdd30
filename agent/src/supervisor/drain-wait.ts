import { setTimeout as sleep } from 'node:timers/promises';
import { ProxyClient } from '../proxy/client.js';
import { ProxyError, type ProxyStatus } from '../proxy/control-protocol.js';

const POLL_MS = 50;

/** Requests and WebSockets the proxy still drains to `port` of `app` (0 when no proxy runs). */
export function drainingTo(status: ProxyStatus, app: string, port: number): number {
  let n = 0;
  for (const route of status.routes) {
    if (route.app !== app) continue;
    for (const u of route.draining) if (u.targetPort === port) n += Math.max(1, u.inflight + u.websockets);
  }
  return n;
}

/**
 * Waits until the traffic proxy no longer drains connections to the slot's port, so replacing
 * that slot's process never cuts a request that was still finishing on it. Bounded by the
 * proxy's own drain timeout (it cuts what is left then); the signal ends the wait early.
 * Returns how long it waited.
 */
export async function waitSlotDrained(dataDir: string, app: string, port: number, signal: AbortSignal, onWait: (busy: number) => void): Promise<number> {
  const client = ProxyClient.forDataDir(dataDir);
  const started = performance.now();
  let told = false;
  for (;;) {
    let status: ProxyStatus;
    try {
      status = await client.status();
    } catch (err) {
      if (err instanceof ProxyError && err.code === 'NOT_RUNNING') return performance.now() - started;
      throw err;
    }
    const busy = drainingTo(status, app, port);
    if (busy === 0 || signal.aborted) return performance.now() - started;
    if (!told) onWait(busy);
    told = true;
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}

/** Is the proxy sending the app's new requests to this slot right now? (false when no proxy runs) */
export async function isActiveSlot(dataDir: string, app: string, slot: string): Promise<boolean> {
  try {
    const status = await ProxyClient.forDataDir(dataDir).status();
    return status.routes.some((r) => r.app === app && r.slot === slot);
  } catch (err) {
    if (err instanceof ProxyError && err.code === 'NOT_RUNNING') return false;
    throw err;
  }
}
