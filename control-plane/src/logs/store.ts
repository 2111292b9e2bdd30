import type { LogLine, LogStream } from '@devflow/protocol';
import type { InStatement } from '@libsql/client';
import type { Db } from '../db/client.js';

/** Rows per INSERT statement: 5 parameters each stays far below SQLite's variable limit. */
const ROWS_PER_STATEMENT = 400;

export interface StoredLine {
  seq: number;
  stream: LogStream;
  ts: number;
  text: string;
}

/**
 * Step log lines, stored once and in order. A batch is written in one transaction with
 * INSERT OR IGNORE (a re-sent batch adds nothing); the returned cumulative ack never passes
 * a gap, so lines the agent has not delivered yet stay in its spool.
 */
export class LogStore {
  constructor(private readonly db: Db) {}

  /** Persist a batch; returns the highest seq such that every line 1..seq is stored. */
  async append(stepId: string, lines: readonly LogLine[]): Promise<number> {
    const sorted = [...lines].sort((a, b) => a.seq - b.seq);
    const stmts: InStatement[] = [];
    for (let i = 0; i < sorted.length; i += ROWS_PER_STATEMENT) {
      const chunk = sorted.slice(i, i + ROWS_PER_STATEMENT);
      const args: (string | number)[] = [];
      for (const l of chunk) args.push(stepId, l.seq, l.stream, l.ts, l.text);
      stmts.push({
        sql: `INSERT OR IGNORE INTO log_lines (step_id, seq, stream, ts, text) VALUES ${chunk.map(() => '(?,?,?,?,?)').join(',')}`,
        args,
      });
    }
    if (stmts.length) await this.db.batch(stmts, 'write');
    return this.advanceAck(stepId, sorted);
  }

  /** Move the step's contiguous-prefix mark forward over the stored lines. */
  private async advanceAck(stepId: string, batch: readonly LogLine[]): Promise<number> {
    const row = (await this.db.execute({ sql: 'SELECT log_acked_seq FROM steps WHERE id = ?', args: [stepId] })).rows[0];
    let acked = Number(row?.log_acked_seq ?? 0);
    const start = acked;
    for (const l of batch) {
      if (l.seq === acked + 1) acked = l.seq;
      else if (l.seq > acked + 1) break;
    }
    // Lines after a gap may already be stored from an earlier batch: walk over them too.
    for (;;) {
      const rs = await this.db.execute({ sql: 'SELECT seq FROM log_lines WHERE step_id = ? AND seq > ? ORDER BY seq LIMIT 5000', args: [stepId, acked] });
      let moved = false;
      for (const r of rs.rows) {
        if (Number(r.seq) !== acked + 1) break;
        acked += 1;
        moved = true;
      }
      if (!moved || rs.rows.length < 5000) break;
    }
    if (acked > start) {
      await this.db.execute({ sql: 'UPDATE steps SET log_acked_seq = MAX(log_acked_seq, ?) WHERE id = ?', args: [acked, stepId] });
    }
    return acked;
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
