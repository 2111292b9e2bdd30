import { readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { startAgent } from '../daemon.js';
import { loadIdentity } from '../enroll/identity.js';
import { AgentError } from '../errors.js';
import type { Logger } from '../logs/logger.js';
import { agentPaths } from '../paths.js';
import { stepHandlers } from '../steps/handlers.js';

/** `devflow-agent run`: the daemon, until SIGTERM/SIGINT. */
export async function runCommand(dataDir: string, log: Logger): Promise<void> {
  const { identity, privateKey } = await loadIdentity(dataDir);
  const pidFile = agentPaths(dataDir).pidFile;
  await claimPidFile(pidFile);
  try {
    const agent = await startAgent({ dataDir, identity, privateKey, handlers: stepHandlers, log });
    const stop = new AbortController();
    const onSignal = (sig: string) => {
      log.info('stopping', { signal: sig });
      stop.abort();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    await once(stop.signal, 'abort');
    await agent.stop();
  } finally {
    await rm(pidFile, { force: true });
  }
}

/** One agent per data dir: two would run the same steps and fight over the spool. */
async function claimPidFile(file: string): Promise<void> {
  const old = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(old) && old > 0 && old !== process.pid && isAlive(old)) {
    throw new AgentError('ALREADY_RUNNING', `another agent (pid ${old}) is running on this data dir (${file}); stop it first`);
  }
  await writeFile(file, `${process.pid}\n`, { mode: 0o644 });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
