import { execa } from 'execa';
import { LineSplitter } from './lines.js';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Aborting kills the whole process group: SIGTERM, then SIGKILL after `killGraceMs`. */
  signal?: AbortSignal;
  timeoutMs?: number;
  killGraceMs?: number;
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  onSpawn?: (pid: number | undefined) => void;
  /** While `full()`, stdout and stderr are not read (the process blocks on write) until `drained()` resolves. */
  backpressure?: { full: () => boolean; drained: () => Promise<void> };
}

/** A command's result is data, for success and failure alike (never thrown). */
export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** Set when the command could not be started at all (ENOENT, EACCES, bad cwd). */
  spawnError?: string;
}

/**
 * Runs an argv array (never a shell string) in its own process group, streaming output line
 * by line. Cancelling or timing out kills the whole tree, not just the direct child, so a
 * `sh -c 'npm run build'` leaves no orphans behind.
 */
export async function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new TypeError('runCommand: argv must not be empty');
  const started = performance.now();
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    detached: true,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stripFinalNewline: false,
  });
  options.onSpawn?.(child.pid);

  let timedOut = false;
  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;
  const killTree = (): void => {
    if (child.pid === undefined || child.exitCode !== null) return;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 5000);
    killTimer.unref();
  };
  const onAbort = (): void => {
    cancelled = true;
    killTree();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const timeout = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        killTree();
      }, options.timeoutMs)
    : undefined;

  const out = new LineSplitter((line) => options.onLine?.('stdout', line));
  const err = new LineSplitter((line) => options.onLine?.('stderr', line));
  let paused = false;
  const throttle = (): void => {
    const bp = options.backpressure;
    if (!bp || paused || !bp.full()) return;
    paused = true;
    child.stdout?.pause();
    child.stderr?.pause();
    void bp.drained().then(() => {
      paused = false;
      child.stdout?.resume();
      child.stderr?.resume();
    });
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    out.push(chunk);
    throttle();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err.push(chunk);
    throttle();
  });

  // When the direct child exits, whatever it left in its group (a `cmd &` still holding our
  // stdout pipe) is killed at once: otherwise the pipe never closes and the step never ends.
  child.once('exit', () => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'));

  const result = await child;
  out.flush();
  err.flush();
  clearTimeout(timeout);
  clearTimeout(killTimer);
  options.signal?.removeEventListener('abort', onAbort);

  const spawnFailed = result.failed && result.exitCode === undefined && result.signal === undefined;
  return {
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    timedOut,
    cancelled: cancelled && !timedOut,
    durationMs: performance.now() - started,
    ...(spawnFailed ? { spawnError: result.originalMessage ?? result.shortMessage } : {}),
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}
