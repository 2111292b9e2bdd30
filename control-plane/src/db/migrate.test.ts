import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from './client.js';
import { migrate, MigrationError } from './migrate.js';

let dir: string;
let db: Db;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'devflow-migrate-'));
  db = await openDb(`file:${join(dir, 'db', 'test.db')}`);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrate', () => {
  it('applies the shipped migrations once and records them', async () => {
    expect(await migrate(db)).toContain(1);
    expect(await migrate(db)).toEqual([]);
    const rows = await db.execute('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.rows.map((r) => Number(r.version))).toContain(1);
  });

  it('rolls back a failing migration entirely and names it', async () => {
    const mdir = join(dir, 'm');
    mkdirSync(mdir);
    writeFileSync(join(mdir, '001_ok.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(mdir, '002_bad.sql'), 'CREATE TABLE b (x INTEGER);\nINSERT INTO nope VALUES (1);');
    await expect(migrate(db, mdir)).rejects.toThrow(/002_bad failed/);
    const tables = await db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('a', 'b')");
    expect(tables.rows.map((r) => r.name)).toEqual(['a']);
  });

  it('refuses badly named files', async () => {
    const mdir = join(dir, 'm2');
    mkdirSync(mdir);
    writeFileSync(join(mdir, '1-init.sql'), 'SELECT 1;');
    await expect(migrate(db, mdir)).rejects.toThrow(MigrationError);
  });
});

