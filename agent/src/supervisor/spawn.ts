import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { once } from 'node:events';

export interface SpawnedApp {
  child: ChildProcess;
  pid: number;
  /** Resolves when the process exits (while this agent is its parent). */
  exited: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>;
}

export class SpawnFailedError extends Error {
  override readonly name = 'SpawnFailedError';
}

/**
 * Starts the app detached, in its own process group, with stdout/stderr appended to `logPath`.
 * Detached + unref'd + no pipes to us: the app keeps running when the agent exits or restarts.
 */
export async function spawnDetached(argv: readonly string[], opts: { cwd: string; env: Record<string, string>; logPath: string }): Promise<SpawnedApp> {
  const [file, ...args] = argv;
  if (!file) throw new SpawnFailedError('argv is empty');
  const fd = openSync(opts.logPath, 'a', 0o640);
  let child: ChildProcess;
  try {
    child = spawn(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', fd, fd] });
    const exited = once(child, 'exit').then(([exitCode, signal]) => ({
      exitCode: exitCode as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
    exited.catch(() => undefined);
    await Promise.race([once(child, 'spawn'), once(child, 'error').then(([err]) => Promise.reject(err as Error))]);
    if (child.pid === undefined) throw new SpawnFailedError(`could not start ${file}`);
    child.unref();
    return { child, pid: child.pid, exited };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ' (command not found, or the release directory is missing)' : code === 'EACCES' ? ' (not executable)' : '';
    throw new SpawnFailedError(`could not start ${JSON.stringify(file)}: ${(err as Error).message}${hint}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}
