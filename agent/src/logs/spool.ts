import { mkdirSync } from 'node:fs';
import { open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { join } from 'node:path';
import type { LogStream } from '@devflow/protocol';

/**
 * The on-disk spool of one step's log lines: `<data>/spool/<stepId>.jsonl`, one `LogLine` JSON
 * per line. Lines are buffered and written in one append per flush (every `flushMs` or
 * `flushLines` lines), never one write per line. After each write `onFlushed` hands the same
 * JSON strings to the sender, so a line is on disk before it leaves the server. Writes and
 * re-reads go through one queue, so a re-read never sees half a write.
 */
export interface SpoolOptions {
  flushMs?: number;
  flushLines?: number;
  /** Lines that reached the disk, in order, as LogLine JSON strings. */
  onFlushed?: (lines: string[], firstSeq: number, lastSeq: number) => void;
  onError?: (err: unknown) => void;
}

/** One LogLine as JSON, built by hand: this runs for every line on the hot path. */
export const encodeLine = (seq: number, stream: LogStream, ts: number, text: string): string =>
  `{"seq":${seq},"stream":"${stream}","ts":${ts},"text":${JSON.stringify(text)}}`;

/** The seq of an encoded line, without parsing the whole line. */
export const seqOf = (json: string): number => Number(json.slice(7, json.indexOf(',', 7)));

/** Step ids come from the network: encoded so that no id can name a path outside the spool dir. */
export const spoolFile = (dir: string, stepId: string): string => join(dir, `${encodeURIComponent(stepId)}.jsonl`);

/**
 * Backpressure: a step whose output reaches FULL_LINES lines not yet on disk is paused (its pipes
 * are not read, so the process blocks on write) until DRAINED_LINES remain. Without it a step
 * printing faster than the disk or the link held its whole output in the agent's memory.
 */
export const FULL_LINES = 20_000;
export const DRAINED_LINES = 4_000;

export class StepSpool {
  private buffer: string[] = [];
  private bufferFirstSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private fh: FileHandle | undefined;
  private size = 0;
  /** Byte offset and last seq of each write not yet fully acknowledged: lets a re-read skip acked bytes. */
  private chunks: { lastSeq: number; end: number }[] = [];
  private ackedOffset = 0;
  private removed = false;
  /** Highest seq handed to `append`. */
  lastSeq: number;
  /** Highest seq on disk. */
  writtenSeq: number;
  ackedSeq = 0;
  /** A write failed: some lines on the wire are not in the file, so it cannot be replayed from. */
  lossy = false;
  /** Lines handed to `append` and not yet on disk (buffered or in the write queue). */
  pendingLines = 0;
  private drainWaiters: (() => void)[] = [];

  private constructor(
    readonly file: string,
    private readonly options: SpoolOptions,
    existingLastSeq: number,
    existingSize: number,
  ) {
    this.lastSeq = existingLastSeq;
    this.writtenSeq = existingLastSeq;
    this.size = existingSize;
  }

  /** A spool for a step that starts now. Cheap and synchronous: the file is opened on first flush. */
  static create(dir: string, stepId: string, options: SpoolOptions = {}): StepSpool {
    return new StepSpool(spoolFile(dir, stepId), options, 0, 0);
  }

  /**
   * Reopen the spool of a step from before a restart: finds the last complete line and cuts a
   * half-written one (the agent died mid-append).
   */
  static async reopen(dir: string, stepId: string, options: SpoolOptions = {}): Promise<StepSpool> {
    const file = spoolFile(dir, stepId);
    let last = 0;
    let goodEnd = 0;
    const fh = await open(file, 'a+').catch(() => undefined);
    if (fh) {
      try {
        await scan(fh, 0, (line, end) => {
          last = seqOf(line);
          goodEnd = end;
        });
        if ((await fh.stat()).size !== goodEnd) await fh.truncate(goodEnd);
      } finally {
        await fh.close();
      }
    }
    return new StepSpool(file, options, last, goodEnd);
  }

  /** Step ids that have a spool file. */
  static async list(dir: string): Promise<string[]> {
    const names = await readdir(dir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.jsonl')).map((n) => decodeURIComponent(n.slice(0, -'.jsonl'.length)));
  }

  /** Buffer one encoded line; `seq` must be `lastSeq + 1`. */
  append(seq: number, json: string): void {
    if (this.buffer.length === 0) {
      this.bufferFirstSeq = seq;
      this.timer ??= setTimeout(() => this.flushBuffer(), this.options.flushMs ?? 10);
    }
    this.buffer.push(json);
    this.pendingLines++;
    this.lastSeq = seq;
    if (this.buffer.length >= (this.options.flushLines ?? 2000)) this.flushBuffer();
  }

  /** Resolves once at most DRAINED_LINES lines wait for the disk (at once if that is already so). */
  drained(): Promise<void> {
    if (this.pendingLines <= DRAINED_LINES || this.removed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Write whatever is buffered and wait until every write so far is on disk. */
  async flush(): Promise<void> {
    this.flushBuffer();
    await this.queue;
  }

  /** The control plane persisted every line up to `seq`. */
  ack(seq: number): void {
    if (seq <= this.ackedSeq) return;
    this.ackedSeq = Math.min(seq, this.writtenSeq);
    while (this.chunks.length > 0 && this.chunks[0]!.lastSeq <= this.ackedSeq) this.ackedOffset = this.chunks.shift()!.end;
  }

  /**
   * Hand every line on disk with seq > `afterSeq` to `onLines`, in order, in groups of at most
   * `groupLines`. Runs in the write queue: waits for the write in flight, holds the next one.
   * `onLines` returns false to stop early (the connection went away).
   */
  readAfter(afterSeq: number, onLines: (lines: string[]) => boolean, groupLines = 2000): Promise<void> {
    return this.enqueue(async () => {
      if (this.size === 0 || this.removed) return;
      const fh = await open(this.file, 'r');
      try {
        let group: string[] = [];
        let stopped = false;
        // Start at the end of the last write wholly at or before afterSeq, not at the acked mark:
        // the sender refills its window from here after every ack.
        let from = this.ackedOffset;
        for (const c of this.chunks) {
          if (c.lastSeq > afterSeq) break;
          from = c.end;
        }
        await scan(fh, from, (line) => {
          if (stopped || seqOf(line) <= afterSeq) return !stopped;
          group.push(line);
          if (group.length >= groupLines) {
            stopped = !onLines(group);
            group = [];
          }
          return !stopped;
        });
        if (!stopped && group.length > 0) onLines(group);
      } finally {
        await fh.close();
      }
    });
  }

  /** Delete the file: every line is acknowledged and the step is over. */
  async remove(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.buffer = [];
    for (const w of this.drainWaiters.splice(0)) w();
    await this.enqueue(async () => {
      this.removed = true;
      await this.fh?.close();
      this.fh = undefined;
      await rm(this.file, { force: true });
    });
  }

  /** Flush and release the file handle (agent shutdown). */
  async close(): Promise<void> {
    await this.flush();
    await this.enqueue(async () => {
      await this.fh?.close();
      this.fh = undefined;
    });
  }

  private flushBuffer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0 || this.removed) return;
    const lines = this.buffer;
    const firstSeq = this.bufferFirstSeq;
    const lastSeq = this.lastSeq;
    this.buffer = [];
    void this.enqueue(async () => {
      const data = Buffer.from(`${lines.join('\n')}\n`);
      try {
        if (!this.fh) {
          mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
          this.fh = await open(this.file, 'a', 0o600);
        }
        await this.fh.write(data);
        this.size += data.length;
        this.chunks.push({ lastSeq, end: this.size });
      } catch (err) {
        // Disk trouble must not stop the log: the lines still go out live, only the resend copy is lost.
        this.lossy = true;
        this.options.onError?.(err);
      }
      this.writtenSeq = lastSeq;
      this.pendingLines -= lines.length;
      if (this.pendingLines <= DRAINED_LINES && this.drainWaiters.length > 0) for (const w of this.drainWaiters.splice(0)) w();
      this.options.onFlushed?.(lines, firstSeq, lastSeq);
    });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch((err: unknown) => this.options.onError?.(err));
    return run;
  }
}

/** Calls `onLine(line, endOffset)` for each complete line from `offset`; stops when it returns false. */
async function scan(fh: FileHandle, offset: number, onLine: (line: string, end: number) => boolean | void): Promise<void> {
  const { size } = await fh.stat();
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let pos = offset;
  let carry = '';
  let carryStart = offset;
  const decoder = new StringDecoder('utf8');
  while (pos < size) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break;
    const text = carry + decoder.write(buf.subarray(0, bytesRead));
    pos += bytesRead;
    let start = 0;
    let byteCursor = carryStart;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      byteCursor += Buffer.byteLength(line) + 1;
      if (onLine(line, byteCursor) === false) return;
      start = nl + 1;
    }
    carry = text.slice(start);
    carryStart = byteCursor;
  }
}

