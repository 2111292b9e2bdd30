import { loadConfig, USAGE } from '../config.js';
import { AgentError, describeError } from '../errors.js';
import { createLogger } from '../logs/logger.js';
import { AGENT_VERSION } from '../version.js';
import { runCommand } from './run.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/**
 * `devflow-agent <command>`; returns the exit code (0 ok, 1 unexpected, AgentError codes otherwise).
 * The enrol and proxy commands are imported when they run, so the daemon never evaluates their
 * code (idle memory). The daemon itself is imported statically: esbuild wraps a dynamically
 * imported module and everything it imports in lazy initialisers, and a wrapped package index
 * (jose's) then initialises every module it re-exports instead of the few we use.
 */
export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo = stdio): Promise<number> {
  try {
    const config = loadConfig(argv, env);
    switch (config.command) {
      case 'help':
        io.out(`${USAGE}\n`);
        return 0;
      case 'version':
        io.out(`devflow-agent ${AGENT_VERSION}\n`);
        return 0;
      case 'enroll': {
        const { enroll } = await import('../enroll/enroll.js');
        const id = await enroll(config);
        io.out(`enrolled as agent ${id.agentId} with ${id.controlPlaneUrls.join(', ')}; identity saved in ${config.dataDir}\nstart it with: devflow-agent run --data-dir ${config.dataDir}\n`);
        return 0;
      }
      case 'run': {
        await runCommand(config.dataDir, createLogger(config.logLevel, io.err), config.nginx);
        return 0;
      }
      case 'proxy': {
        const { runProxy } = await import('../proxy/index.js');
        await runProxy({ dataDir: config.dataDir, ...(config.host ? { host: config.host } : {}) });
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof AgentError) {
      io.err(`devflow-agent: ${err.message}\n`);
      return err.exitCode;
    }
    io.err(`devflow-agent: unexpected error: ${describeError(err)}\n`);
    return 1;
  }
}
