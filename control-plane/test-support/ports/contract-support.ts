import type { Logger } from '../../src/ports/logger.js';

/**
 * Shared pieces of the port contract suites (`*.contract.ts`). Not test files themselves:
 * each adapter's `*.test.ts` calls a contract with a factory for its own cluster.
 */

/** Instances of one port that share a backend, as separate control-plane processes would. */
export interface Cluster<T> {
  /** A new instance with its own connections; `logger` lets a test watch background failures. */
  open(logger?: Logger): T;
  /** Close the instances still open and delete everything the test stored. */
  cleanup(): Promise<void>;
}

export interface ContractOptions<T> {
  /** Adapter name for test titles. */
  name: string;
  /** True when instances from one cluster see each other (Redis); false for in-process adapters. */
  distributed: boolean;
  /** Skip the whole suite (Redis unreachable outside CI). */
  skip?: boolean;
  cluster: () => Cluster<T>;
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A logger that remembers what it was told, so a test can wait for "job failed for good". */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  info(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'info', message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'error', message, fields });
  }
  matching(message: string): LogEntry[] {
    return this.entries.filter((entry) => entry.message === message);
  }
}

/** Poll until `check` returns a value other than undefined/false, or fail saying what was awaited. */
export async function waitFor<R>(what: string, check: () => R | undefined | false, timeoutMs = 10_000): Promise<R> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = check();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise a test resolves by hand: holds a job "running" until the test says so. */
export class Gate {
  readonly promise: Promise<void>;
  open!: () => void;
  constructor() {
    this.promise = new Promise((resolve) => (this.open = resolve));
  }
}
