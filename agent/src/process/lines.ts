import { MAX_LOG_LINE_CHARS } from '@devflow/protocol/version';

/**
 * Splits a byte stream into text lines. Handles `\n` and `\r\n`, keeps a partial last line
 * until more data or `flush()`, and truncates absurdly long lines so one minified bundle
 * printed to stdout cannot blow up a log batch.
 */
export class LineSplitter {
  private pending = '';
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Uint8Array | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = this.pending.indexOf('\n', start); nl !== -1; nl = this.pending.indexOf('\n', start)) {
      this.emit(this.pending.slice(start, nl));
      start = nl + 1;
    }
    this.pending = this.pending.slice(start);
    // A line with no newline for a very long time: cut it rather than buffer without bound.
    if (this.pending.length > MAX_LOG_LINE_CHARS * 4) {
      this.emit(this.pending);
      this.pending = '';
    }
  }

  flush(): void {
    this.pending += this.decoder.decode();
    if (this.pending.length > 0) this.emit(this.pending);
    this.pending = '';
  }

  private emit(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.onLine(line.length > MAX_LOG_LINE_CHARS ? `${line.slice(0, MAX_LOG_LINE_CHARS)} …[truncated ${line.length - MAX_LOG_LINE_CHARS} chars]` : line);
  }
}
