import { once } from 'node:events';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { agentPaths } from '../paths.js';
import { writeFileAtomic } from '../supervisor/atomic-file.js';
import { ProxyError, type ControlRequest, type ProxyStatus, type RemoveResult } from './control-protocol.js';
import { startControlServer } from './control-server.js';
import { loadRoutes, saveRoutes } from './route-file.js';
import { Router } from './router.js';

export const proxyPidFile = (dataDir: string) => agentPaths(dataDir).proxyPid;
export const proxyLogFile = (dataDir: string) => join(dataDir, 'proxy.log');

export interface RunProxyOptions {
  dataDir: string;
  /** Address the apps' public listeners bind to (default all IPv4 interfaces). */
  host?: string;
  /** How long requests in flight may take to finish on SIGTERM. */
  shutdownGraceMs?: number;
  /** Resolves runProxy when aborted (tests, embedding); SIGTERM/SIGINT do the same. */
  signal?: AbortSignal;
  /** Where the proxy's own lines go (default stderr, which ensureProxy sends to proxy.log). */
  log?: (line: string) => void;
}

const stderrLog = (line: string) => process.stderr.write(`${new Date().toISOString()} proxy: ${line}\n`);

/**
 * Main of the `devflow-agent proxy` process: restores the persisted routes, opens one public
 * listener per app and serves the control socket (switch, split, stats, remove, status, routes) until SIGTERM. It runs apart from the agent so
 * that restarting or upgrading the agent never touches traffic.
 */
export async function runProxy(options: RunProxyOptions): Promise<void> {
  const { dataDir } = options;
  const log = options.log ?? stderrLog;
  const paths = agentPaths(dataDir);
  const router = new Router({ host: options.host ?? '0.0.0.0', log });
  const startedAt = Date.now();
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  for (const record of await loadRoutes(dataDir)) await router.restore(record);

  // Switches are applied and persisted one after another, so the file always matches memory.
  let queue: Promise<unknown> = Promise.resolve();
  const handle = (req: ControlRequest): Promise<unknown> => {
    if (req.op === 'status') return Promise.resolve({ pid: process.pid, startedAt, routes: router.status() } satisfies ProxyStatus);
    if (req.op === 'routes') return Promise.resolve({ routes: router.records() });
    if (req.op === 'stats') return Promise.resolve(router.stats(req.app));
    const next = queue.then(async () => {
      const result = req.op === 'switch' ? await router.switch(req) : req.op === 'split' ? router.split(req) : ({ removed: router.remove(req.app, req.drainMs) } satisfies RemoveResult);
      try {
        await saveRoutes(dataDir, router.records());
      } catch (err) {
        throw new ProxyError('PERSIST_FAILED', `${req.op === 'switch' ? 'switched' : req.op === 'split' ? 'split the traffic' : 'removed the route'}, but the route table could not be saved to ${paths.proxyRoutes}: ${(err as Error).message}`);
      }
      return result;
    });
    queue = next.catch(() => undefined);
    return next;
  };

  const control = await startControlServer(paths.proxySocket, handle);
  await writeFileAtomic(proxyPidFile(dataDir), `${process.pid}\n`, 0o644);
  log(`pid ${process.pid}, ${router.records().length} route(s), control socket ${paths.proxySocket}`);

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  options.signal?.addEventListener('abort', onSignal, { once: true });
  // Aborted while we were starting up: an abort listener added now would never fire.
  if (options.signal?.aborted) onSignal();
  if (!stop.signal.aborted) await once(stop.signal, 'abort');

  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  log('shutting down');
  control.close();
  await rm(paths.proxySocket, { force: true });
  await router.close(options.shutdownGraceMs ?? 10_000);
  await rm(proxyPidFile(dataDir), { force: true });
}

/**
 * `devflow-agent proxy --data-dir D [--host H]`: the CLI wires its `proxy` command here.
 */
export async function proxyCliMain(argv: readonly string[]): Promise<void> {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dataDir = value('--data-dir');
  if (!dataDir) throw new ProxyError('BAD_REQUEST', 'usage: devflow-agent proxy --data-dir <dir> [--host <address>]');
  const host = value('--host');
  await runProxy({ dataDir, ...(host ? { host } : {}) });
}
