import { rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { startAgent, type AgentOptions } from '../daemon.js';
import type { NginxDriverConfig } from '../config.js';
import { loadIdentity } from '../enroll/identity.js';
import { AgentError } from '../errors.js';
import type { Logger } from '../logs/logger.js';
import { agentPaths } from '../paths.js';
import { livePid } from '../pid-file.js';
import { stepHandlers } from '../steps/handlers.js';

/** `devflow-agent run`: the daemon, until SIGTERM/SIGINT. With `nginx`, blue-green switches go through nginx. */
export async function runCommand(dataDir: string, log: Logger, nginx?: NginxDriverConfig): Promise<void> {
  const { identity, privateKey } = await loadIdentity(dataDir);
  const pidFile = agentPaths(dataDir).pidFile;
  await claimPidFile(pidFile);
  try {
    const agent = await startAgent({ dataDir, identity, privateKey, log, ...(nginx ? nginxDriver(nginx) : { handlers: stepHandlers, watchProxy: true }) });
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

/** traffic.switch through nginx, and the sweep reads the upstream files to know which slot is live. */
function nginxDriver(nginx: NginxDriverConfig): Pick<AgentOptions, 'handlers' | 'activeSlotOf'> {
  const options = { upstreamDir: nginx.upstreamDir, nginxArgv: nginx.argv };
  return {
    handlers: {
      ...stepHandlers,
      'traffic.switch': async (spec, ctx) => (await import('../proxy/nginx-step.js')).createNginxTrafficSwitch(options)(spec, ctx),
    },
    activeSlotOf: async (app) => (await (await import('../proxy/nginx-step.js')).readNginxUpstream(nginx.upstreamDir, app))?.slot ?? null,
  };
}

/** One agent per data dir: two would run the same steps and fight over the spool. */
async function claimPidFile(file: string): Promise<void> {
  const old = await livePid(file);
  if (old !== null && old !== process.pid) {
    throw new AgentError('ALREADY_RUNNING', `another agent (pid ${old}) is running on this data dir (${file}); stop it first`);
  }
  await writeFile(file, `${process.pid}\n`, { mode: 0o644 });
}
