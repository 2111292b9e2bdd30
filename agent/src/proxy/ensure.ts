import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tailFile } from '../supervisor/slot-log.js';
import { ProxyClient } from './client.js';
import { ProxyError, type ProxyStatus } from './control-protocol.js';
import { proxyLogFile } from './run.js';

export interface EnsureProxyOptions {
  /** The agent's entry script (the devflow-agent bundle); its `proxy` command runs the proxy. */
  entry?: string;
  /** Passed as `--host` (address of the public listeners). */
  host?: string;
  startTimeoutMs?: number;
}

/**
 * Returns the running proxy's status, starting the proxy first when none answers on the control
 * socket: `node <entry> proxy --data-dir D`, detached in its own session with output to
 * proxy.log, so it outlives the agent.
 */
export async function ensureProxy(dataDir: string, options: EnsureProxyOptions = {}): Promise<{ status: ProxyStatus; started: boolean }> {
  const client = ProxyClient.forDataDir(dataDir);
  try {
    return { status: await client.status(), started: false };
  } catch (err) {
    if (!(err instanceof ProxyError) || err.code !== 'NOT_RUNNING') throw err;
  }
  const entry = options.entry ?? process.argv[1];
  if (!entry) throw new ProxyError('START_FAILED', 'cannot start the proxy: the agent entry script is unknown');
  await mkdir(dataDir, { recursive: true });
  const logPath = proxyLogFile(dataDir);
  const fd = openSync(logPath, 'a', 0o640);
  const args = [entry, 'proxy', '--data-dir', dataDir, ...(options.host ? ['--host', options.host] : [])];
  let exited: string | null = null;
  try {
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd] });
    child.once('error', (err) => (exited = err.message));
    child.once('exit', (code, signal) => (exited = signal ? `was killed by ${signal}` : `exited with code ${code}`));
    child.unref();
  } finally {
    closeSync(fd);
  }

  const until = performance.now() + (options.startTimeoutMs ?? 10_000);
  for (;;) {
    await sleep(25);
    try {
      return { status: await client.status(), started: true };
    } catch (err) {
      if (!(err instanceof ProxyError) || err.code !== 'NOT_RUNNING') throw err;
    }
    if (exited !== null || performance.now() > until) {
      const tail = (await tailFile(logPath, 10)).join('\n');
      throw new ProxyError('START_FAILED', `the traffic proxy ${exited ?? 'did not answer in time'} (${process.execPath} ${args.join(' ')}); proxy.log:\n${tail}`);
    }
  }
}
