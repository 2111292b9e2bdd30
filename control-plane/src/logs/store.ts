import type { LogLine, LogStream } from '@devflow/protocol';
import type { Db } from '../db/client.js';

export interface StoredLine {
  seq: number;
  stream: LogStream;
  ts: number;
  text: string;
}

/** Steps whose ack mark is cached; a step's log is written by one connection at a time. */
const CACHE_LIMIT = 1000;

/**
 * Step log lines, stored once and in order. A batch is one INSERT OR IGNORE over `json_each`
 * (one statement and one parameter for up to 2000 lines: far cheaper than binding 10,000
 * parameters), in the same write transaction as the step's ack mark. A re-sent batch adds
 * nothing; the returned cumulative ack never passes a gap, so lines the agent has not
 * delivered yet stay in its spool.
 */
export class LogStore {
  /** stepId -> highest seq with every line 1..seq stored (a hint: the database is checked on any doubt). */
  private readonly acked = new Map<string, number>();

  constructor(private readonly db: Db) {}

  /** Persist a batch; returns the highest seq such that every line 1..seq is stored. */
  async append(stepId: string, lines: readonly LogLine[]): Promise<number> {
    // Agents send lines in order: copy and sort only a batch that is not.
    const sorted = inOrder(lines) ? lines : [...lines].sort((a, b) => a.seq - b.seq);
    let start = this.acked.get(stepId);
    // Unknown step here, or the batch does not continue our mark: read the mark from the database.
    if (start === undefined || (sorted[0] && sorted[0].seq > start + 1)) start = await this.readMark(stepId);
    let mark = start;
    for (const l of sorted) {
      if (l.seq === mark + 1) mark = l.seq;
      else if (l.seq > mark + 1) break;
    }
    const rows = JSON.stringify(sorted.map((l) => [l.seq, l.stream, l.ts, l.text]));
    await this.db.batch(
      [
        {
          sql: `INSERT OR IGNORE INTO log_lines (step_id, seq, stream, ts, text)
                SELECT ?, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3 FROM json_each(?) AS j`,
          args: [stepId, rows],
        },
        { sql: 'UPDATE steps SET log_acked_seq = MAX(log_acked_seq, ?) WHERE id = ?', args: [mark, stepId] },
      ],
      'write',
    );
    // Lines past a gap may have been stored earlier, or in this batch: walk over what is there.
    const last = sorted[sorted.length - 1];
    if (last && last.seq > mark) mark = await this.walk(stepId, mark);
    else if (mark > start && (await this.hasLinesAfter(stepId, mark))) mark = await this.walk(stepId, mark);
    this.remember(stepId, mark);
    return mark;
  }

  private async readMark(stepId: string): Promise<number> {
    const row = (await this.db.execute({ sql: 'SELECT log_acked_seq FROM steps WHERE id = ?', args: [stepId] })).rows[0];
    return Number(row?.log_acked_seq ?? 0);
  }

  private async hasLinesAfter(stepId: string, seq: number): Promise<boolean> {
    // Only after a gap was seen for this step (its mark was re-read), to keep the common path at one round trip.
    if (!this.gapped.has(stepId)) return false;
    const rs = await this.db.execute({ sql: 'SELECT 1 FROM log_lines WHERE step_id = ? AND seq > ? LIMIT 1', args: [stepId, seq] });
    return rs.rows.length > 0;
  }

  private readonly gapped = new Set<string>();

  /** Advance the mark over stored contiguous lines; persist it. */
  private async walk(stepId: string, from: number): Promise<number> {
    this.gapped.add(stepId);
    let mark = from;
    for (;;) {
      const rs = await this.db.execute({ sql: 'SELECT seq FROM log_lines WHERE step_id = ? AND seq > ? ORDER BY seq LIMIT 5000', args: [stepId, mark] });
      const before = mark;
      for (const r of rs.rows) {
        if (Number(r.seq) !== mark + 1) break;
        mark += 1;
      }
      if (mark === before || mark - before < 5000) break;
    }
    if (mark > from) await this.db.execute({ sql: 'UPDATE steps SET log_acked_seq = MAX(log_acked_seq, ?) WHERE id = ?', args: [mark, stepId] });
    return mark;
  }

  private remember(stepId: string, mark: number): void {
    this.acked.delete(stepId);
    this.acked.set(stepId, mark);
    if (this.acked.size > CACHE_LIMIT) {
      const oldest = this.acked.keys().next().value;
      if (oldest !== undefined) {
        this.acked.delete(oldest);
        this.gapped.delete(oldest);
      }
    }
  }

  async read(stepId: string, after = 0, limit = 1000): Promise<StoredLine[]> {
    const rs = await this.db.execute({
      sql: 'SELECT seq, stream, ts, text FROM log_lines WHERE step_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      args: [stepId, after, limit],
    });
    return rs.rows.map((r) => ({ seq: Number(r.seq), stream: String(r.stream) as LogStream, ts: Number(r.ts), text: String(r.text) }));
  }

  /** Every stored line, page by page, for downloads. */
  async *readAll(stepId: string, pageSize = 5000): AsyncGenerator<StoredLine[]> {
    let after = 0;
    for (;;) {
      const page = await this.read(stepId, after, pageSize);
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1]?.seq ?? after;
    }
  }

  async count(stepId: string): Promise<number> {
    const rs = await this.db.execute({ sql: 'SELECT COUNT(*) AS n FROM log_lines WHERE step_id = ?', args: [stepId] });
    return Number(rs.rows[0]?.n ?? 0);
  }
}

function inOrder(lines: readonly LogLine[]): boolean {
  for (let i = 1; i < lines.length; i++) if (lines[i]!.seq <= lines[i - 1]!.seq) return false;
  return true;
}
