import type { LogLine } from '../api/types.js';
import { stripAnsi } from './ansi.js';

export interface StoredLine {
  raw: string;
  /** Without escapes, lower-cased: what search runs over. */
  lower: string;
  serverId: string;
  stage: string;
  stepId: string;
  stream: string;
  error: boolean;
}

// Lines that mean something went wrong, whatever tool printed them (tested on lower-cased text).
const ERROR_LINE = /\b(error|errors|fatal|failed|failure|exception|panic|traceback|denied|refused)\b|err!|^\s*e\s|exit code [1-9]/;

export function isErrorLine(plain: string): boolean {
  return ERROR_LINE.test(plain.toLowerCase());
}

function isErrorLower(lower: string): boolean {
  return ERROR_LINE.test(lower);
}

/**
 * The log of one deployment in memory, appended to as batches arrive. Lines are de-duplicated
 * by cursor (a reconnect may resend a batch) and prepared once for search and highlighting,
 * so rendering and searching 100,000 lines never re-parses them.
 */
export class LogStore {
  readonly lines: StoredLine[] = [];
  readonly errorLines: number[] = [];
  cursor: string | number | null = null;
  version = 0;
  /** Highest seq held per step: lines of a step arrive in order, so anything at or below it is a resend. */
  private readonly lastSeq = new Map<string, number>();
  private readonly listeners = new Set<() => void>();

  append(batch: readonly LogLine[]): void {
    let added = 0;
    for (const line of batch) {
      // With a step id, (step, seq) names a line exactly and a resent batch is dropped; without
      // one the stream's resume cursor is what keeps lines from repeating.
      if (line.stepId) {
        const last = this.lastSeq.get(line.stepId) ?? 0;
        if (line.seq <= last) continue;
        this.lastSeq.set(line.stepId, line.seq);
      }
      const lower = stripAnsi(line.text).toLowerCase();
      const error = isErrorLower(lower);
      if (error) this.errorLines.push(this.lines.length);
      this.lines.push({
        raw: line.text,
        lower,
        serverId: line.serverId ?? line.server ?? 'devflow',
        stage: line.stage ?? '',
        stepId: line.stepId ?? line.step ?? '',
        stream: line.stream,
        error,
      });
      if (line.cursor !== undefined) this.cursor = line.cursor;
      added++;
    }
    if (added === 0) return;
    this.version++;
    for (const listener of this.listeners) listener();
  }

  /** The stream's own resume position, when it sends one per batch rather than per line. */
  setCursor(cursor: string | number): void {
    this.cursor = cursor;
  }

  /** Indices of lines containing `query` (case-insensitive). */
  search(query: string): number[] {
    const needle = query.toLowerCase();
    const hits: number[] = [];
    if (!needle) return hits;
    const lines = this.lines;
    for (let i = 0; i < lines.length; i++) if (lines[i]!.lower.includes(needle)) hits.push(i);
    return hits;
  }

  /** Search only the lines added since `from`, for keeping results current while the log streams. */
  searchFrom(query: string, from: number): number[] {
    const needle = query.toLowerCase();
    const hits: number[] = [];
    if (!needle) return hits;
    for (let i = from; i < this.lines.length; i++) if (this.lines[i]!.lower.includes(needle)) hits.push(i);
    return hits;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
