import type { LogStream, StepResult } from '@devflow/protocol';
import type { Logger } from './logger.js';
import { StepBatcher, type Transport } from './batcher.js';
import { encodeLine, FULL_LINES, StepSpool, type SpoolOptions } from './spool.js';

/** What a running step writes its (already masked) output into. */
export interface StepLogWriter {
  line(stream: LogStream, text: string): void;
  /** Seq of the last line so far. */
  readonly lastSeq: number;
  /** Too many lines wait for the disk: the producer should pause until `drained()` resolves. */
  readonly full: boolean;
  drained(): Promise<void>;
  /** Flush the spool; every line is on disk and handed to the sender when this resolves. */
  flush(): Promise<void>;
}

/**
 * Everything the agent still owes the control plane, per step: spooled log lines not yet
 * acknowledged and results not yet acknowledged. Survives reconnects (replays on `welcome`)
 * and restarts (`restore` from the spool and the journal).
 */
export class Outbox {
  private readonly steps = new Map<string, StepBatcher>();

  constructor(
    private readonly spoolDir: string,
    private readonly link: Transport,
    private readonly log: Logger,
    private readonly spoolOptions: Pick<SpoolOptions, 'flushMs' | 'flushLines'> = {},
  ) {}

  /** Start the log of a new step. Synchronous and cheap: nothing touches the disk until the first flush. */
  open(stepId: string): StepLogWriter {
    let batcher: StepBatcher | undefined;
    const spool = StepSpool.create(this.spoolDir, stepId, this.spoolHooks(stepId, () => batcher));
    batcher = new StepBatcher(stepId, spool, this.link);
    this.steps.set(stepId, batcher);
    let seq = 0;
    return {
      line: (stream, text) => {
        seq++;
        spool.append(seq, encodeLine(seq, stream, Date.now(), text));
      },
      get lastSeq() {
        return seq;
      },
      get full() {
        return spool.pendingLines >= FULL_LINES;
      },
      drained: () => spool.drained(),
      flush: () => spool.flush(),
    };
  }

  /** A step from before a restart that still owes lines and/or its result. */
  async restore(stepId: string, result: StepResult): Promise<void> {
    let batcher: StepBatcher | undefined;
    const spool = await StepSpool.reopen(this.spoolDir, stepId, this.spoolHooks(stepId, () => batcher));
    batcher = new StepBatcher(stepId, spool, this.link);
    batcher.result = result;
    this.steps.set(stepId, batcher);
  }

  /** Highest seq in the spool of a step (used to report a step cut off by a restart). */
  static async lastSpooledSeq(spoolDir: string, stepId: string): Promise<number> {
    return (await StepSpool.reopen(spoolDir, stepId)).lastSeq;
  }

  has(stepId: string): boolean {
    return this.steps.has(stepId);
  }

  /** Step ids with unacknowledged lines or results. */
  stepIds(): string[] {
    return [...this.steps.keys()];
  }

  /** The step finished: its result goes out after its last line. */
  finish(stepId: string, result: StepResult): void {
    const b = this.steps.get(stepId);
    if (!b) return;
    b.finish(result);
    void this.dropSpoolIfDone(b);
  }

  /** Send a finished step's result again (duplicate `step.run`). */
  resendResult(stepId: string): void {
    this.steps.get(stepId)?.maybeSendDone();
  }

  /** The connection is (again) ready: replay everything unacknowledged, step by step. */
  async replay(): Promise<void> {
    await Promise.all([...this.steps.values()].map((b) => b.resend()));
  }

  onLogAck(stepId: string, seq: number): void {
    const b = this.steps.get(stepId);
    if (!b) return;
    b.spool.ack(seq);
    b.onAck();
    void this.dropSpoolIfDone(b);
  }

  /** The control plane stored the result: forget the step. */
  async onStepAck(stepId: string): Promise<void> {
    const b = this.steps.get(stepId);
    if (!b) return;
    this.steps.delete(stepId);
    await b.spool.remove();
  }

  /** Flush every spool and close the files (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.steps.values()].map((b) => b.spool.close()));
  }

  private async dropSpoolIfDone(b: StepBatcher): Promise<void> {
    if (b.result && b.spool.ackedSeq >= b.result.lastSeq && b.spool.writtenSeq > 0) await b.spool.remove();
  }

  private spoolHooks(stepId: string, batcher: () => StepBatcher | undefined): SpoolOptions {
    return {
      ...this.spoolOptions,
      onFlushed: (lines, first, last) => batcher()?.onFlushed(lines, first, last),
      onError: (err) => this.log.error('log spool write failed; lines are still sent live but cannot be replayed', { stepId, err }),
    };
  }
}
