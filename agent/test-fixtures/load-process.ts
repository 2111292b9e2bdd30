// Runs test-fixtures/load.mjs as a separate process and reads its progress and summary.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fixturesDir, waitFor } from './helpers.js';

export interface LoadSummary {
  ok: number;
  failed: number;
  reset: number;
  incomplete: number;
  errors: Record<string, number>;
  elapsedMs: number;
  rps: number;
  p50us: number | null;
  p99us: number | null;
  perConnection: { index: number; runs: [number, number][]; sockets: number }[];
}

export class LoadProcess {
  private highest = -1;
  private summary: LoadSummary | null = null;
  private readonly child: ChildProcess;
  private readonly done: Promise<void>;

  constructor(port: number, opts: { connections?: number; rate?: number; path?: string } = {}) {
    const args = [join(fixturesDir, 'load.mjs'), '--port', String(port), '--connections', String(opts.connections ?? 8), '--rate', String(opts.rate ?? 800)];
    if (opts.path) args.push('--path', opts.path);
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    this.child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('seen ')) this.highest = Number(line.slice(5));
        if (line.startsWith('summary ')) this.summary = JSON.parse(line.slice(8)) as LoadSummary;
      }
    });
    this.done = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** Waits until some connection has been answered by `version` (or a later one). */
  waitSeen(version: number, ms = 10_000): Promise<boolean> {
    return waitFor(() => this.highest >= version, ms, `load to see version ${version}`);
  }

  async stop(): Promise<LoadSummary> {
    this.child.kill('SIGTERM');
    await this.done;
    if (!this.summary) throw new Error('load process printed no summary');
    return this.summary;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** Versions a connection saw, in order, never going back. */
export function versionsOnlyForward(summary: LoadSummary): boolean {
  return summary.perConnection.every((c) => c.runs.every((run, i) => i === 0 || run[0] > (c.runs[i - 1]?.[0] ?? -1)));
}
