import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from './client.js';
import { SCHEMA_CHECK_MS, StatementReusingPool } from './local-client.js';

/** Prepared statements reused on the embedded database (local-client.ts): same results as fresh ones. */
let dir: string;
let db: Db;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'devflow-stmt-'));
  db = await openDb(`file:${join(dir, 'x.db')}`);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('prepared statement cache', () => {
  it("hands out the same statement for the same SQL on the pool's connections only, and a new one for other SQL", () => {
    const path = join(dir, 'direct.db');
    const pool = new StatementReusingPool(path, { timeout: 1000 }, 2);
    const conn = pool.acquireSync();
    const other = pool.acquireSync();
    try {
      expect(conn.prepare('SELECT 1')).toBe(conn.prepare('SELECT 1'));
      expect(conn.prepare('SELECT 2')).not.toBe(conn.prepare('SELECT 1'));
      expect(other.prepare('SELECT 1')).not.toBe(conn.prepare('SELECT 1'));
      // A connection handed back and borrowed again keeps its statements.
      const kept = conn.prepare('SELECT 3');
      pool.release(conn);
      pool.release(other);
      const again = [pool.acquireSync(), pool.acquireSync()];
      expect(again.some((c) => c.prepare('SELECT 3') === kept)).toBe(true);
      for (const c of again) pool.release(c);
      // Nothing outside the pool is touched: libsql's own connections prepare afresh.
      const plain = new Database(path);
      expect(plain.prepare('SELECT 1')).not.toBe(plain.prepare('SELECT 1'));
      plain.close();
    } finally {
      pool.close();
    }
  });

  it('gives the same answers as fresh statements: reads, writes, arguments, errors, and after a schema change', async () => {
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)');
    const insert = (name: string) => db.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: [name] });
    expect((await insert('a')).rowsAffected).toBe(1);
    expect((await insert('b')).rowsAffected).toBe(1);
    await expect(insert('a')).rejects.toThrow(/UNIQUE/);
    expect((await insert('c')).rowsAffected).toBe(1);
    const byName = (name: string) => db.execute({ sql: 'SELECT * FROM t WHERE name = ?', args: [name] });
    expect((await byName('b')).rows.map((r) => ({ ...r }))).toEqual([{ id: 2, name: 'b' }]);
    expect((await byName('c')).rows.map((r) => ({ ...r }))).toEqual([{ id: 3, name: 'c' }]);

    // After a schema change (here; or another instance migrating a shared file) the cache starts over
    // within SCHEMA_CHECK_MS: `SELECT *` then names the new column.
    await db.execute("ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT 'n'");
    await new Promise((r) => setTimeout(r, SCHEMA_CHECK_MS + 50));
    const rows = await Promise.all(Array.from({ length: 8 }, () => byName('b'))); // every pooled connection
    for (const after of rows) expect(after.rows.map((r) => ({ ...r }))).toEqual([{ id: 2, name: 'b', note: 'n' }]);

    // Inside batches and transactions too.
    await db.batch([{ sql: 'INSERT INTO t (name) VALUES (?)', args: ['d'] }, { sql: 'INSERT INTO t (name) VALUES (?)', args: ['e'] }], 'write');
    const tx = await db.transaction('write');
    await tx.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['f'] });
    await tx.rollback();
    expect((await db.execute('SELECT name FROM t ORDER BY id')).rows.map((r) => r.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
