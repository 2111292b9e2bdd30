import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A child process started by an end-to-end test: its output is collected line by line, and
 * `waitForLine` resolves when a line matches. Killed (whole group) by `stop()` or `stopAll()`.
 */
export class TestProcess {
  readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    let partial = { stdout: '', stderr: '' };
    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = partial[stream] + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = { ...partial, [stream]: parts.pop() ?? '' };
      this.lines.push(...parts);
      this.wake();
    };
    child.stdout?.on('data', onData('stdout'));
    child.stderr?.on('data', onData('stderr'));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.wake();
        resolve();
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} has no pid (spawn failed)`);
    return this.child.pid;
  }

  /** The first output line (from index `from`) matching `re`; fails early if the process exits. */
  async waitForLine(re: RegExp, timeoutMs = 20_000, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let scanned = from;
    for (;;) {
      for (; scanned < this.lines.length; scanned++) {
        const m = this.lines[scanned]?.match(re);
        if (m) return m;
      }
      if (this.exit) throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before printing ${re}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not print ${re} within ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }

  /** Write one line to the process's stdin (spawned with `stdin: true`). */
  writeLine(line: string): void {
    if (!this.child.stdin) throw new Error(`${this.name} was started without stdin`);
    this.child.stdin.write(`${line}\n`);
  }

  /** Signal the process group (the child was started detached). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exit || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // ESRCH: already gone.
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exit) return;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

const running = new Set<TestProcess>();

/** Start `node <script> ...args` in its own process group (so kill reaches its children). */
export function spawnNode(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { cwd?: string; stdin?: boolean } = {},
): TestProcess {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    cwd: options.cwd,
    detached: true,
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const p = new TestProcess(name, child);
  running.add(p);
  void p.exited.then(() => running.delete(p));
  return p;
}

/** For afterEach/afterAll: stop every process a test started. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}
