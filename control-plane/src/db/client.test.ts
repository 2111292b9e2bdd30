import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from './client.js';

let dir: string;
let db: Db | undefined;
afterEach(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openDb (file)', () => {
  it('sets up every pooled connection, not only the first: synchronous NORMAL and foreign keys on', async () => {
    dir = mkdtempSync(join(tmpdir(), 'devflow-db-'));
    db = await openDb(`file:${join(dir, 'x.db')}`);
    // Started together, these borrow distinct connections from the pool.
    const sync = await Promise.all(Array.from({ length: 8 }, () => db!.execute('PRAGMA synchronous')));
    const fks = await Promise.all(Array.from({ length: 8 }, () => db!.execute('PRAGMA foreign_keys')));
    expect(sync.map((r) => Number(r.rows[0]?.[0]))).toEqual(new Array(8).fill(1)); // 1 = NORMAL
    expect(fks.map((r) => Number(r.rows[0]?.[0]))).toEqual(new Array(8).fill(1));
    expect(String((await db.execute('PRAGMA journal_mode')).rows[0]?.[0])).toBe('wal');
  });
});
