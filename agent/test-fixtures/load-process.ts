// Runs test-fixtures/load.mjs as a separate process and reads its progress and summary; used by the
// agent's proxy tests and by the end-to-end zero-downtime tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fixturesDir, waitFor } from './helpers.js';

export interface LoadSummary {
  ok: number;
  failed: number;
  reset: number;
  incomplete: number;
  errors: Record<string, number>;
  /** Answers per version: ok, and failed ones whose body names their version. */
  byVersion: Record<string, { ok: number; failed: number }>;
  elapsedMs: number;
  rps: number;
  p50ms: number | null;
  p99ms: number | null;
  /** Per keep-alive connection: [version, responses] runs in order, and sockets it had to open. */
  perConnection: { index: number; runs: [number, number][]; sockets: number }[];
}

/** Load processes not stopped yet, so a harness can end them when a test failed half-way. */
const running = new Set<Load>();

/** Keep-alive connections at a steady rate against one loopback port, from their own process. */
export class Load {
  private readonly firstSeenAt = new Map<number, number>();
  private summary: LoadSummary | null = null;
  private readonly done: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl; (nl = buf.indexOf('\n')) >= 0; ) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^first (\d+) (\d+)$/.exec(line);
        if (m) this.firstSeenAt.set(Number(m[1]), Number(m[2]));
        if (line.startsWith('summary ')) this.summary = JSON.parse(line.slice('summary '.length)) as LoadSummary;
      }
    });
    this.done = new Promise((resolve) => child.once('exit', () => resolve()));
    running.add(this);
    void this.done.then(() => running.delete(this));
  }

  /** Starts the load process and resolves once its connections are about to send. */
  /** `clients`: every connection is a separate client (own source address and cookie jar), as behind a canary split. */
  static async start(port: number, options: { connections?: number; rate?: number; path?: string; clients?: boolean } = {}): Promise<Load> {
    const args = [join(fixturesDir, 'load.mjs'), '--port', String(port), '--connections', String(options.connections ?? 8), '--rate', String(options.rate ?? 800)];
    if (options.path) args.push('--path', options.path);
    if (options.clients) args.push('--clients', '1');
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const load = new Load(child);
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      const onData = (d: Buffer) => {
        buf += d.toString();
        if (!/^started$/m.test(buf)) return;
        child.stdout?.off('data', onData);
        resolve();
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`the load process exited (${code}) before it started`)));
    });
    return load;
  }

  /** When any connection was first answered by `version` (epoch ms), or undefined. */
  firstSeen(version: number): number | undefined {
    return this.firstSeenAt.get(version);
  }

  /** Waits until the load has been answered by `version` (so it really ran across a switch); when, in epoch ms. */
  waitSeen(version: number, timeoutMs = 15_000): Promise<number> {
    return waitFor(() => this.firstSeen(version), timeoutMs, `the load to be answered by version ${version}`);
  }

  async stop(): Promise<LoadSummary> {
    this.child.kill('SIGTERM');
    await this.done;
    if (!this.summary) throw new Error('the load process printed no summary');
    return this.summary;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** For afterEach/afterAll: kill every load process a test left running. */
  static killAll(): void {
    for (const load of running) load.kill();
  }
}

/** What a zero-downtime test asserts: nothing failed, reset or came back cut. */
export const failures = (s: LoadSummary) => ({ failed: s.failed, reset: s.reset, incomplete: s.incomplete, errors: s.errors });

/** Every connection saw versions only in increasing order (never an older one after a newer). */
export const onlyForward = (s: LoadSummary): boolean => s.perConnection.every((c) => c.runs.every((run, i) => i === 0 || run[0] > (c.runs[i - 1]?.[0] ?? -1)));
