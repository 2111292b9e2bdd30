import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepKind, StepResult } from '@devflow/protocol';

/**
 * The agent's record of every step it accepted: `<data>/steps/<id>.json`. A step id seen before
 * is answered from here, never run twice, even across agent restarts. Records live in memory
 * too (lookups are synchronous, on the step.run hot path); every change is written atomically
 * (tmp file + rename), one write at a time per step.
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

const fileName = (stepId: string): string => `${encodeURIComponent(stepId)}.json`;

export class Journal {
  private readonly records = new Map<string, StepRecord>();
  private readonly writes = new Map<string, Promise<void>>();

  private constructor(private readonly dir: string) {}

  /** Load every record; unreadable ones are reported, not fatal. */
  static async open(dir: string, onBadRecord: (file: string, err: unknown) => void = () => {}): Promise<Journal> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const journal = new Journal(dir);
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.json')) {
        // Leftover tmp files from a write cut short by a crash.
        if (name.includes('.tmp-')) await rm(join(dir, name), { force: true });
        continue;
      }
      try {
        const rec = JSON.parse(await readFile(join(dir, name), 'utf8')) as StepRecord;
        if (typeof rec.stepId !== 'string' || (rec.state !== 'running' && rec.state !== 'done')) throw new Error('not a step record');
        journal.records.set(rec.stepId, rec);
      } catch (err) {
        onBadRecord(join(dir, name), err);
      }
    }
    return journal;
  }

  get(stepId: string): StepRecord | undefined {
    return this.records.get(stepId);
  }

  all(): StepRecord[] {
    return [...this.records.values()];
  }

  /** Record a step as running. Resolves once the record is on disk. */
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
    for (const rec of old) {
      this.records.delete(rec.stepId);
      await this.serial(rec.stepId, () => rm(join(this.dir, fileName(rec.stepId)), { force: true }));
    }
    return old.length;
  }

  private put(rec: StepRecord): Promise<void> {
    this.records.set(rec.stepId, rec);
    const body = JSON.stringify(rec);
    return this.serial(rec.stepId, async () => {
      const file = join(this.dir, fileName(rec.stepId));
      const tmp = `${file}.tmp-${process.pid}`;
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, file);
    });
  }

  /** One write at a time per step, in call order. */
  private serial(stepId: string, task: () => Promise<void>): Promise<void> {
    const run = (this.writes.get(stepId) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => {});
    this.writes.set(stepId, tail);
    void tail.then(() => {
      if (this.writes.get(stepId) === tail) this.writes.delete(stepId);
    });
    return run;
  }
}
