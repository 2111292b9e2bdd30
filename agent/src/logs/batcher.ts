import type { StepResult } from '@devflow/protocol';
import { MAX_LOG_BATCH_BYTES, MAX_LOG_BATCH_LINES } from '@devflow/protocol/version';
import { seqOf, type StepSpool } from './spool.js';

/** The link as the log path sees it: can we send now, and send one frame. */
export interface Transport {
  readonly ready: boolean;
  send(frame: string): void;
}

/**
 * Sends one step's lines as `log.batch` frames and, after the last line, its `step.done`.
 * Lines come from the spool after each disk write (so the spool's flush timer is the batch
 * timer); frames are cut at MAX_LOG_BATCH_LINES / MAX_LOG_BATCH_BYTES. The frame is built from
 * the spool's JSON strings, so no line is serialised twice. While the link is down nothing is
 * sent; after a `welcome`, `resend()` replays every unacknowledged line from disk in order, then
 * live sending resumes exactly where the replay stopped.
 */
export class StepBatcher {
  /** Highest seq sent on the current connection. */
  private sentSeq = 0;
  private replaying = false;
  private generation = 0;
  private readonly prefix: string;
  result: StepResult | undefined;

  constructor(
    readonly stepId: string,
    readonly spool: StepSpool,
    private readonly link: Transport,
  ) {
    this.prefix = `{"type":"log.batch","stepId":${JSON.stringify(stepId)},"lines":[`;
  }

  /** Called by the spool after each write. */
  onFlushed(lines: string[], firstSeq: number, lastSeq: number): void {
    if (this.replaying || !this.link.ready || this.sentSeq !== firstSeq - 1) return;
    this.sendLines(lines);
    this.sentSeq = lastSeq;
  }

  /** The step is over: remember its result and send it once every line has been sent. */
  finish(result: StepResult): void {
    this.result = result;
    this.maybeSendDone();
  }

  /** A new connection is ready: replay unacknowledged lines, then the result if not acked. */
  async resend(): Promise<void> {
    const generation = ++this.generation;
    this.replaying = true;
    this.sentSeq = this.spool.ackedSeq;
    try {
      await this.spool.readAfter(this.sentSeq, (lines) => {
        if (generation !== this.generation || !this.link.ready) return false;
        this.sendLines(lines);
        this.sentSeq = seqOf(lines[lines.length - 1]!);
        return true;
      });
    } finally {
      if (generation === this.generation) this.replaying = false;
    }
    if (generation === this.generation) this.maybeSendDone();
  }

  /** Send the result again (a duplicate `step.run` for a finished step). */
  maybeSendDone(): void {
    const r = this.result;
    if (!r || this.replaying || !this.link.ready || this.sentSeq < r.lastSeq) return;
    this.link.send(JSON.stringify({ type: 'step.done', stepId: this.stepId, result: r }));
  }

  private sendLines(lines: string[]): void {
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < lines.length; i++) {
      // String length, not bytes: cheap, and a frame stays under MAX_FRAME_BYTES even at 3 bytes per char.
      const len = lines[i]!.length + 1;
      if (i > start && (i - start >= MAX_LOG_BATCH_LINES || bytes + len > MAX_LOG_BATCH_BYTES)) {
        this.sendFrame(lines, start, i);
        start = i;
        bytes = 0;
      }
      bytes += len;
    }
    if (start < lines.length) this.sendFrame(lines, start, lines.length);
  }

  private sendFrame(lines: string[], start: number, end: number): void {
    const part = start === 0 && end === lines.length ? lines : lines.slice(start, end);
    this.link.send(`${this.prefix}${part.join(',')}]}`);
  }
}
