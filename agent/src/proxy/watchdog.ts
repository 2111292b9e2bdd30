import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { agentPaths } from '../paths.js';
import type { Logger } from '../logs/logger.js';
import { livePid } from '../pid-file.js';
import type { EnsureProxyOptions } from './ensure.js';

export interface ProxyWatchdogOptions {
  dataDir: string;
  log: Logger;
  /** How often to look (default 1 s). */
  intervalMs?: number;
  /**
   * Consecutive looks that must find the proxy gone before the agent starts it (default 3): a proxy
   * under systemd (Restart=always, RestartSec=1s) is back before then, and the two never race.
   */
  missesBeforeStart?: number;
  /** How to start the proxy (default: this agent's own entry script). */
  proxy?: EnsureProxyOptions;
  /** How long a running proxy may take to answer a status request on its control socket (default 2 s). */
  probeTimeoutMs?: number;
}

/**
 * Keeps the traffic proxy alive where nothing else does (quick start, `--no-systemd` installs): a
 * proxy that crashed or was killed would otherwise leave every blue-green app of this server
 * unreachable until the next deployment; so would a hung one (it must answer a status request on
 * its control socket). The look itself is two file reads, a signal 0 and one local socket round
 * trip; the proxy code (and zod with it) is loaded only to start one.
 */
export function watchProxy(options: ProxyWatchdogOptions): () => void {
  const { dataDir, log } = options;
  const paths = agentPaths(dataDir);
  const needed = options.missesBeforeStart ?? 3;
  let misses = 0;
  let busy = false;

  const look = async (): Promise<void> => {
    if (!(await hasRoutes(paths.proxyRoutes))) {
      misses = 0;
      return;
    }
    const pid = await livePid(paths.proxyPid);
    // Alive is not enough: a hung proxy (stopped, deadlocked, swapping) serves nobody either.
    if (pid !== null && (await answersStatus(paths.proxySocket, options.probeTimeoutMs ?? 2000))) {
      misses = 0;
      return;
    }
    if (++misses < needed) return;
    misses = 0;
    if (pid !== null) {
      log.error('the traffic proxy does not answer on its control socket; killing it to start it again', { pid, looks: needed });
      process.kill(pid, 'SIGKILL');
      await waitGone(pid);
    }
    const { ensureProxy } = await import('./ensure.js');
    const { status, started } = await ensureProxy(dataDir, options.proxy);
    if (started) log.warn('the traffic proxy was not running; started it again with its saved routes', { pid: status.pid, routes: status.routes.length });
  };

  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    look()
      .catch((err: unknown) => log.error('could not restart the traffic proxy', { err }))
      .finally(() => (busy = false));
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/** The saved route table names at least one app (no JSON schema here: see the module comment). */
async function hasRoutes(routeFile: string): Promise<boolean> {
  try {
    const table = JSON.parse(await readFile(routeFile, 'utf8')) as { routes?: unknown };
    return Array.isArray(table.routes) && table.routes.length > 0;
  } catch {
    return false;
  }
}

/** One status request on the control socket (newline-delimited JSON, see control-server.ts); true when a line comes back in time. */
function answersStatus(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write('{"op":"status"}\n'));
    socket.on('data', (chunk: Buffer) => {
      if (chunk.includes(10)) done(true);
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
