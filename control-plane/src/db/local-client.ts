import type { Client } from '@libsql/client';
import { ConnectionPool, Sqlite3Client } from '@libsql/client/sqlite3';
import type Database from 'libsql';

/** Distinct SQL texts kept per connection; a few dynamic `IN (?, ?, …)` shapes beyond that are evicted oldest first. */
const PER_CONNECTION = 500;
/** How often a connection looks whether the schema changed under it (another instance migrating a shared file). */
export const SCHEMA_CHECK_MS = 1000;

type Statement = ReturnType<Database.Database['prepare']>;

/**
 * The client for the embedded (`file:`) database: @libsql/client's own file client, on a
 * connection pool of ours whose connections reuse their prepared statements.
 *
 * Why: @libsql/client prepares every statement again on every call; on a connect storm (10,000
 * agents reconnecting to a restarted instance) that preparing was the largest single cost of a
 * reconnect — reusing statements cut the control plane's CPU per (re)connect by about a third.
 * The reuse lives on the connections this pool opened (each gets its own `prepare`), so nothing
 * else in the process is touched. The client re-applies its per-call settings (raw mode, safe
 * integers) on every call. Column names are the one thing a kept statement holds from its
 * preparation: a connection drops its statements when the schema version changed (looked at every
 * SCHEMA_CHECK_MS). Statements run to completion synchronously, so one is never used by two calls at once.
 */
export function openLocalClient(path: string, options: { timeout: number; connections: number }): Client {
  const pool = new StatementReusingPool(path, { timeout: options.timeout }, options.connections);
  // Fail at open, as createClient does, when the file cannot be opened at all.
  pool.release(pool.acquireSync());
  return new Sqlite3Client(pool, 'number');
}

export class StatementReusingPool extends ConnectionPool {
  readonly #reusing = new WeakSet<Database.Database>();

  // Every connection the pool opens comes out of acquireSync (acquire calls it too); a connection
  // handed on from one borrower to the next already reuses.
  override acquireSync(forTransaction?: boolean): Database.Database {
    const conn = super.acquireSync(forTransaction);
    if (!this.#reusing.has(conn)) {
      reuseStatements(conn);
      this.#reusing.add(conn);
    }
    return conn;
  }
}

function reuseStatements(conn: Database.Database): void {
  const prepare = conn.prepare.bind(conn);
  const schemaVersion = (): unknown => (prepare('PRAGMA schema_version') as unknown as { pluck(): { get(): unknown } }).pluck().get();
  const statements = new Map<string, Statement>();
  let version = schemaVersion();
  let checkedAt = Date.now();
  conn.prepare = ((sql: string) => {
    const now = Date.now();
    if (now - checkedAt >= SCHEMA_CHECK_MS) {
      checkedAt = now;
      const current = schemaVersion();
      // A kept statement holds the column names it was prepared with: after a schema change they
      // could be wrong for `SELECT *`, so the connection starts over.
      if (current !== version) {
        version = current;
        statements.clear();
      }
    }
    let statement = statements.get(sql);
    if (!statement) {
      statement = prepare(sql);
      if (statements.size >= PER_CONNECTION) statements.delete(statements.keys().next().value!);
      statements.set(sql, statement);
    }
    return statement;
  }) as Database.Database['prepare'];
}
