import { ApiClient } from './client.js';
import { loadCredentials } from './config.js';
import type { CliContext, Command } from './context.js';
import { ApiError, DeploymentFailedError, EXIT, UsageError } from './errors.js';
import { approvals, approve, reject } from './commands/approvals.js';
import { cancel, deploy, rollback } from './commands/deploy.js';
import { envs } from './commands/envs.js';
import { freeze } from './commands/freeze.js';
import { history, queue } from './commands/history.js';
import { lock, unlock } from './commands/lock.js';
import { login } from './commands/login.js';
import { logs } from './commands/logs.js';
import { projects } from './commands/projects.js';
import { servers } from './commands/servers.js';
import { users } from './commands/users.js';
import { releases } from './commands/releases.js';
import { admin } from './commands/admin.js';
import { abort, promote } from './commands/rollout.js';

export const VERSION = '0.1.0';

const COMMANDS: Record<string, Command> = { login, projects, envs, deploy, logs, history, queue, cancel, promote, abort, rollback, servers, lock, unlock, freeze, approvals, approve, reject, users, releases, admin };

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([, c]) => `  devflow ${c.usage}`);
  return `Usage:\n${lines.join('\n')}\n
Every command takes --json (machine-readable output) and --help.
Authentication: DEVFLOW_URL + DEVFLOW_TOKEN, or the file written by \`devflow login\`.
Exit codes: 0 success (for --follow: the deployment succeeded), 1 deployment failed, cancelled, timed out
or skipped, 2 usage error, 3 API or authentication error.
`;
}

export type CliIo = Omit<CliContext, 'client'>;

/** Runs one command line; returns the exit code. Errors become a one-line message on stderr. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version') {
    io.out(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`devflow: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`Usage: devflow ${command.usage}\n`);
    return EXIT.ok;
  }
  let client: ApiClient | undefined;
  const ctx: CliContext = {
    ...io,
    async client() {
      if (!client) {
        const credentials = await loadCredentials(io.env, io.configPath);
        client = new ApiClient(credentials.url, credentials.token, io.fetchImpl);
      }
      return client;
    },
  };
  try {
    return await command.run(args, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`devflow ${name}: ${err.message}\nUsage: devflow ${command.usage}\n`);
      return EXIT.usage;
    }
    if (err instanceof ApiError) {
      const hint = err.status === 401 && name !== 'login' ? ' (log in again with `devflow login`, or check DEVFLOW_TOKEN)' : '';
      io.err(`devflow ${name}: ${err.message}${hint}\n`);
      return EXIT.api;
    }
    if (err instanceof DeploymentFailedError) {
      io.err(`devflow ${name}: ${err.message}\n`);
      return EXIT.failed;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') {
      io.err(`devflow ${name}: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
