import { readFile } from 'node:fs/promises';
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
}

/**
 * Keeps the traffic proxy alive where nothing else does (quick start, `--no-systemd` installs): a
 * proxy that crashed or was killed would otherwise leave every blue-green app of this server
 * unreachable until the next deployment. The look itself is two file reads and a signal 0; the
 * proxy code (and zod with it) is loaded only to start one.
 */
export function watchProxy(options: ProxyWatchdogOptions): () => void {
  const { dataDir, log } = options;
  const paths = agentPaths(dataDir);
  const needed = options.missesBeforeStart ?? 3;
  let misses = 0;
  let busy = false;

  const look = async (): Promise<void> => {
    if (!(await hasRoutes(paths.proxyRoutes)) || (await livePid(paths.proxyPid)) !== null) {
      misses = 0;
      return;
    }
    if (++misses < needed) return;
    misses = 0;
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
