import type { StepResult } from '@devflow/protocol';
import { MAX_LOG_BATCH_BYTES, MAX_LOG_BATCH_LINES } from '@devflow/protocol/version';
import { seqOf, type StepSpool } from './spool.js';

/** The link as the log path sees it: can we send now, and send one frame. */
export interface Transport {
  readonly ready: boolean;
  send(frame: string): void;
}

/**
 * Lines sent but not yet acknowledged, at most. The agent never waits for an ack before sending
 * the next batch (ten batches are in flight), but a step printing faster than the control plane
 * stores must not pile its whole output up in the socket's send buffer: past the window, lines
 * stay in the spool (they are on disk already) and are sent from there as acks come back.
 */
export const SEND_WINDOW_LINES = 10 * MAX_LOG_BATCH_LINES;

/**
 * Sends one step's lines as `log.batch` frames and, after the last line, its `step.done`.
 * Lines come from the spool after each disk write (so the spool's flush timer is the batch
 * timer); frames are cut at MAX_LOG_BATCH_LINES / MAX_LOG_BATCH_BYTES. The frame is built from
 * the spool's JSON strings, so no line is serialised twice. While the link is down nothing is
 * sent; after a `welcome`, `resend()` replays unacknowledged lines from disk in order, then
 * live sending resumes exactly where the replay stopped. At most SEND_WINDOW_LINES are
 * unacknowledged at any time; the rest is sent from disk as acks arrive.
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
    private readonly windowLines = SEND_WINDOW_LINES,
  ) {
    this.prefix = `{"type":"log.batch","stepId":${JSON.stringify(stepId)},"lines":[`;
  }

  /** Called by the spool after each write. Lines past the window wait in the spool for `onAck`. */
  onFlushed(lines: string[], firstSeq: number, lastSeq: number): void {
    if (this.replaying || !this.link.ready || this.sentSeq !== firstSeq - 1) return;
    // A spool that lost a write cannot be read back: its lines go out live, window or not.
    if (this.sentSeq - this.spool.ackedSeq >= this.windowLines && !this.spool.lossy) return;
    this.sendLines(lines);
    this.sentSeq = lastSeq;
  }

  /** The control plane acknowledged lines (the spool has the new mark): refill the window from the spool. */
  onAck(): void {
    if (this.replaying || !this.link.ready || this.sentSeq >= this.spool.writtenSeq) return;
    if (this.sentSeq - this.spool.ackedSeq > this.windowLines / 2) return;
    void this.catchUp().catch(() => undefined); // a failed read is retried by the next ack or reconnect
  }

  /** The step is over: remember its result and send it once every line has been sent. */
  finish(result: StepResult): void {
    this.result = result;
    this.maybeSendDone();
  }

  /** A new connection is ready: replay unacknowledged lines (up to the window), then the result if not acked. */
  async resend(): Promise<void> {
    this.sentSeq = this.spool.ackedSeq;
    await this.catchUp();
  }

  /** Send lines from the spool after `sentSeq` until the window is full; live sending resumes where it stops. */
  private async catchUp(): Promise<void> {
    const generation = ++this.generation;
    const before = this.sentSeq;
    this.replaying = true;
    try {
      await this.spool.readAfter(this.sentSeq, (lines) => {
        if (generation !== this.generation || !this.link.ready) return false;
        if (seqOf(lines[0]!) !== this.sentSeq + 1) return false; // never in one append-only file; stop rather than send out of order
        this.sendLines(lines);
        this.sentSeq = seqOf(lines[lines.length - 1]!);
        return this.sentSeq - this.spool.ackedSeq < this.windowLines;
      });
    } finally {
      if (generation === this.generation) this.replaying = false;
    }
    if (generation !== this.generation) return;
    this.maybeSendDone();
    if (this.sentSeq > before) this.onAck(); // acks that came in while reading were not acted on
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
