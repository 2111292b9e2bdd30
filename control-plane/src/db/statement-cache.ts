import Database from 'libsql';

/** Distinct SQL texts kept per connection; a few dynamic `IN (?, ?, …)` shapes beyond that are evicted oldest first. */
const PER_CONNECTION = 500;
/** How often a connection looks whether the schema changed under it (another instance migrating a shared file). */
export const SCHEMA_CHECK_MS = 1000;

type Statement = ReturnType<Database.Database['prepare']>;
interface ConnectionCache {
  statements: Map<string, Statement>;
  schemaVersion: unknown;
  checkedAt: number;
}

let installed = false;

/**
 * Reuses prepared statements on the embedded (`file:`) database. @libsql/client prepares every
 * statement again on every call; on a connect storm (10,000 agents reconnecting to a restarted
 * instance) that preparing was the largest single cost of a reconnect — caching cut the control
 * plane's CPU per (re)connect by about a third. The client re-applies its per-call settings
 * (raw mode, safe integers) on every call. Column names are the one thing a cached statement
 * keeps from its preparation: each connection drops its cache when the schema version changed
 * (looked at every SCHEMA_CHECK_MS). Statements run to completion synchronously, so one is never
 * used by two calls at once.
 */
export function cachePreparedStatements(): void {
  if (installed) return;
  installed = true;
  const byConnection = new WeakMap<object, ConnectionCache>();
  const prepare = Database.prototype.prepare;
  const schemaVersion = (conn: Database.Database): unknown => (prepare.call(conn, 'PRAGMA schema_version') as { pluck(): { get(): unknown } }).pluck().get();
  Database.prototype.prepare = function cachedPrepare(this: Database.Database, sql: string) {
    let cache = byConnection.get(this);
    if (!cache) byConnection.set(this, (cache = { statements: new Map(), schemaVersion: schemaVersion(this), checkedAt: Date.now() }));
    // A cached statement keeps the column names it was prepared with: after a schema change they
    // could be wrong for `SELECT *`, so the connection starts over.
    const now = Date.now();
    if (now - cache.checkedAt >= SCHEMA_CHECK_MS) {
      cache.checkedAt = now;
      const version = schemaVersion(this);
      if (version !== cache.schemaVersion) {
        cache.schemaVersion = version;
        cache.statements.clear();
      }
    }
    let statement = cache.statements.get(sql);
    if (!statement) {
      statement = prepare.call(this, sql);
      if (cache.statements.size >= PER_CONNECTION) cache.statements.delete(cache.statements.keys().next().value!);
      cache.statements.set(sql, statement);
    }
    return statement;
  } as Database.Database['prepare'];
}
