import { appendFileSync, closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepKind, StepResult } from '@devflow/protocol';

/**
 * The agent's record of every step it accepted. A step id seen before is answered from here,
 * never run twice, even across agent restarts. Records live in memory (lookups are synchronous,
 * on the step.run hot path) and in one append-only file, `<data>/steps/journal.jsonl`: every
 * change appends the whole record as one JSON line; on load the last line of a step id wins.
 *
 * Durability: each change is one synchronous `write(2)` that has returned before the caller
 * goes on, so `begin` is in the kernel before the step's process is spawned and a crash or
 * kill -9 of the agent right after cannot lose it. There is no fsync (nor was there with the
 * earlier file-per-step tmp+rename records): a kernel crash or power cut can lose the last
 * records, and a step that was running then may be run again after the reboot. An fsync would
 * add 0.4 ms (p50) to 7 ms (p99, loaded machine) before every spawn; the old tmp+rename cost
 * 0.3 ms / 3-14 ms; this append costs ~0.01 ms. A torn last line (the machine died mid-write)
 * is reported and skipped. The file is rewritten (tmp, fsync, rename) at open and when
 * acknowledged records are forgotten, so it stays as small as the live records.
 */
export interface StepRecord {
  stepId: string;
  kind: StepKind;
  deploymentId?: string;
  state: 'running' | 'done';
  startedAt: number;
  result?: StepResult;
  /** The control plane stored the result (`step.ack`). */
  acked: boolean;
  ackedAt?: number;
}

export const INTERRUPTED_ERROR = 'agent restarted';
export const JOURNAL_FILE = 'journal.jsonl';

export class Journal {
  private readonly records = new Map<string, StepRecord>();
  private readonly file: string;

  private constructor(private readonly dir: string) {
    this.file = join(dir, JOURNAL_FILE);
  }

  /** Load every record; unreadable ones are reported, not fatal. */
  static async open(dir: string, onBadRecord: (where: string, err: unknown) => void = () => {}): Promise<Journal> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const journal = new Journal(dir);
    const legacy = journal.loadLegacy(onBadRecord);
    let text = '';
    try {
      text = readFileSync(journal.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    text.split('\n').forEach((line, i) => {
      if (line.length === 0) return;
      try {
        journal.records.set(...checked(JSON.parse(line)));
      } catch (err) {
        onBadRecord(`${journal.file}:${i + 1}`, err);
      }
    });
    journal.compact();
    for (const file of legacy) rmSync(file, { force: true });
    return journal;
  }

  get(stepId: string): StepRecord | undefined {
    return this.records.get(stepId);
  }

  all(): StepRecord[] {
    return [...this.records.values()];
  }

  /** Record a step as running. Resolves once the record is written (see the durability note). */
  begin(stepId: string, kind: StepKind, deploymentId: string | undefined, startedAt: number): Promise<void> {
    return this.put({ stepId, kind, state: 'running', startedAt, acked: false, ...(deploymentId ? { deploymentId } : {}) });
  }

  finish(stepId: string, result: StepResult): Promise<void> {
    const rec = this.records.get(stepId);
    if (!rec) throw new Error(`journal: no record for step ${stepId}`);
    return this.put({ ...rec, state: 'done', result });
  }

  async markAcked(stepId: string, now = Date.now()): Promise<void> {
    const rec = this.records.get(stepId);
    if (!rec || rec.acked || rec.state !== 'done') return;
    await this.put({ ...rec, acked: true, ackedAt: now });
  }

  /**
   * At startup: a record still `running` belongs to a step this process never finished. It
   * becomes failed with "agent restarted"; `lastSeqOf` says how far its log got.
   */
  async failInterrupted(lastSeqOf: (stepId: string) => Promise<number>, now = Date.now()): Promise<StepRecord[]> {
    const interrupted = this.all().filter((r) => r.state === 'running');
    for (const rec of interrupted) {
      const result: StepResult = {
        status: 'failed',
        exitCode: null,
        signal: null,
        durationMs: Math.max(0, now - rec.startedAt),
        error: INTERRUPTED_ERROR,
        lastSeq: await lastSeqOf(rec.stepId),
      };
      await this.finish(rec.stepId, result);
    }
    return interrupted.map((r) => this.records.get(r.stepId)!);
  }

  /** Finished steps whose result the control plane has not acknowledged yet. */
  unacked(): StepRecord[] {
    return this.all().filter((r) => r.state === 'done' && !r.acked);
  }

  /** Forget acknowledged steps older than `maxAgeMs`; returns how many were removed. */
  async gc(maxAgeMs: number, now = Date.now()): Promise<number> {
    const old = this.all().filter((r) => r.acked && (r.ackedAt ?? 0) < now - maxAgeMs);
    for (const rec of old) this.records.delete(rec.stepId);
    if (old.length > 0) this.compact();
    return old.length;
  }

  private put(rec: StepRecord): Promise<void> {
    try {
      appendFileSync(this.file, `${JSON.stringify(rec)}\n`, { mode: 0o600 });
    } catch (err) {
      return Promise.reject(err);
    }
    this.records.set(rec.stepId, rec);
    return Promise.resolve();
  }

  /**
   * Rewrite the file with one line per live record. Synchronous, so no append can slip between
   * the snapshot and the rename; fsynced before the rename, so a crash leaves the old file or
   * the complete new one.
   */
  private compact(): void {
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      let body = '';
      for (const rec of this.records.values()) body += `${JSON.stringify(rec)}\n`;
      writeSync(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }

  /** Records from the file-per-step layout of earlier agents (`<id>.json`), and crash leftovers. */
  private loadLegacy(onBadRecord: (where: string, err: unknown) => void): string[] {
    const files: string[] = [];
    for (const name of readdirSync(this.dir)) {
      const file = join(this.dir, name);
      if (name.includes('.tmp-')) rmSync(file, { force: true });
      else if (name.endsWith('.json')) {
        try {
          this.records.set(...checked(JSON.parse(readFileSync(file, 'utf8'))));
          files.push(file);
        } catch (err) {
          onBadRecord(file, err);
        }
      }
    }
    return files;
  }
}

function checked(rec: StepRecord): [string, StepRecord] {
  if (typeof rec?.stepId !== 'string' || (rec.state !== 'running' && rec.state !== 'done')) throw new Error('not a step record');
  return [rec.stepId, rec];
}
