import { runCommand, type RunResult } from '../process/run.js';

/**
 * Config every git call gets: an allowlist of transports. `ext::` and `fd::` run arbitrary
 * commands and remote helpers are programs found on PATH, so everything not listed is refused;
 * GIT_PROTOCOL_FROM_USER=0 additionally refuses "user" transports should the list ever widen.
 * `file` stays allowed because a project may be a local path (quick start); we never recurse
 * into submodules, which is where local-file transport is dangerous.
 */
const ALLOWED_TRANSPORTS = ['https', 'http', 'ssh', 'git', 'file'];
const SAFE_CONFIG = [
  ...['-c', 'protocol.allow=never', '-c', 'protocol.ext.allow=never', '-c', 'protocol.fd.allow=never'],
  ...ALLOWED_TRANSPORTS.flatMap((transport) => ['-c', `protocol.${transport}.allow=always`]),
];
const SAFE_ENV = {
  GIT_PROTOCOL_FROM_USER: '0',
  // Never block on a password prompt: a deploy step has no terminal.
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: '',
  SSH_ASKPASS: '',
  LC_ALL: 'C',
} as const;

const STDERR_TAIL_LINES = 20;

export interface GitOptions {
  /** The bare repository every command runs against (`--git-dir`). */
  gitDir: string;
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Streams git's own output (fetch progress, errors); without it stderr is only kept as a tail. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Keep stdout lines in the result (plumbing commands whose output we parse). */
  captureStdout?: boolean;
}

export interface GitResult extends RunResult {
  stdout: string[];
  /** The last stderr lines, for error messages. */
  stderrTail: string[];
}

/** Runs `git --git-dir=<gitDir> <args>` as an argv array; the result is data, never thrown. */
export async function runGit(args: readonly string[], options: GitOptions): Promise<GitResult> {
  const stdout: string[] = [];
  const stderrTail: string[] = [];
  const result = await runCommand(['git', ...SAFE_CONFIG, `--git-dir=${options.gitDir}`, ...args], {
    env: { ...SAFE_ENV, ...options.env },
    signal: options.signal,
    killGraceMs: 2000,
    onLine: (stream, line) => {
      if (stream === 'stdout' && options.captureStdout) stdout.push(line);
      if (stream === 'stderr') {
        stderrTail.push(line);
        if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      }
      options.onLine?.(stream, line);
    },
  });
  return { ...result, stdout, stderrTail };
}

/** "exit 128: fatal: couldn't find remote ref x" — what a user needs to see from a failed git call. */
export function describeGitFailure(result: GitResult): string {
  if (result.spawnError) return `git could not be started (${result.spawnError}); is git installed on this server?`;
  const how = result.signal ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
  const why = result.stderrTail.filter((line) => line.trim() !== '').slice(-3).join(' / ');
  return why ? `${how}: ${why}` : how;
}
