import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNode, type TestProcess } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const LOAD_SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'load.mjs');

export interface LoadSummary {
  ok: number;
  failed: number;
  reset: number;
  incomplete: number;
  errors: Record<string, number>;
  elapsedMs: number;
  rps: number;
  p50ms: number | null;
  p99ms: number | null;
  /** Per keep-alive connection: [version, responses] runs in order, and sockets it had to open. */
  perConnection: { index: number; runs: [number, number][]; sockets: number }[];
}

/** fixtures/load.mjs in its own process: keep-alive connections at a steady rate against one port. */
export class Load {
  private constructor(private readonly proc: TestProcess) {}

  static async start(port: number, options: { connections?: number; rate?: number } = {}): Promise<Load> {
    const proc = spawnNode('load', LOAD_SCRIPT, ['--port', String(port), '--connections', String(options.connections ?? 8), '--rate', String(options.rate ?? 800)]);
    await proc.waitForLine(/^started$/);
    return new Load(proc);
  }

  /** When any connection was first answered by `version` (epoch ms), or undefined. */
  firstSeen(version: number): number | undefined {
    for (const line of this.proc.lines) {
      const m = /^first (\d+) (\d+)$/.exec(line);
      if (m && Number(m[1]) === version) return Number(m[2]);
    }
    return undefined;
  }

  /** Waits until the load has been answered by `version` (so it really ran across a switch). */
  waitSeen(version: number, timeoutMs = 15_000): Promise<number> {
    return waitFor(`the load to be answered by version ${version}`, () => this.firstSeen(version), timeoutMs, 20);
  }

  async stop(): Promise<LoadSummary> {
    this.proc.kill('SIGTERM');
    await this.proc.exited;
    const line = this.proc.lines.find((l) => l.startsWith('summary '));
    if (!line) throw new Error(`the load process printed no summary:\n${this.proc.tail()}`);
    return JSON.parse(line.slice('summary '.length)) as LoadSummary;
  }
}

/** What a zero-downtime test asserts: nothing failed, reset or came back cut. */
export const failures = (s: LoadSummary) => ({ failed: s.failed, reset: s.reset, incomplete: s.incomplete, errors: s.errors });

/** Every connection saw versions only in increasing order (never an older one after a newer). */
export const onlyForward = (s: LoadSummary): boolean => s.perConnection.every((c) => c.runs.every((run, i) => i === 0 || run[0] > c.runs[i - 1]![0]));
