import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../db/client.js';
import { migrate, MIGRATIONS_DIR } from '../db/migrate.js';

/** Migration 007 on a database written before it: strategies stay, the column takes NULL (not chosen). */
let dir: string;
let db: Db;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'devflow-strategy-'));
  db = await openDb(`file:${join(dir, 'test.db')}`);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function migrateUpTo(version: string): Promise<void> {
  const mdir = join(dir, `m${version}`);
  mkdirSync(mdir);
  for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql') && f.slice(0, 3) <= version)) copyFileSync(join(MIGRATIONS_DIR, file), join(mdir, file));
  await migrate(db, mdir);
}

const env = (id: string, project: string, name: string, strategy: string, updatedAt = 1) =>
  db.execute({
    sql: "INSERT INTO environments (id, project_id, name, branch, strategy, port, healthcheck_path, keep_releases, created_at, updated_at) VALUES (?, ?, ?, 'main', ?, 3000, '/up', 10, 1, ?)",
    args: [id, project, name, strategy, updatedAt],
  });

describe('migration 007 (strategy may be unchosen)', () => {
  it('keeps every stored strategy, except the untouched quick-start example, which takes the new default', async () => {
    await migrateUpTo('006');
    for (const [id, name] of [['p1', 'example'], ['p2', 'shop'], ['p3', 'blog']]) {
      await db.execute({ sql: "INSERT INTO projects (id, name, repository_url, preset, default_branch, created_at, updated_at) VALUES (?, ?, '/repo', 'node', 'main', 1, 1)", args: [id!, name!] });
    }
    await db.execute("INSERT INTO settings (key, value, updated_at) VALUES ('quickstart.example', 'created', 1)");
    await env('e1', 'p1', 'production', 'in-place');
    await env('e2', 'p2', 'production', 'in-place');
    await env('e3', 'p3', 'production', 'blue-green');
    await migrateUpTo('007');
    const rows = await db.execute('SELECT id, strategy FROM environments ORDER BY id');
    expect(rows.rows.map((r) => [r.id, r.strategy])).toEqual([['e1', null], ['e2', 'in-place'], ['e3', 'blue-green']]);
    // NULL is allowed now; anything else still is not.
    await env('e4', 'p2', 'staging', 'blue-green');
    await db.execute("UPDATE environments SET strategy = NULL WHERE id = 'e4'");
    await expect(db.execute("UPDATE environments SET strategy = 'canary' WHERE id = 'e4'")).rejects.toThrow(/CHECK/);
  });

  it('leaves an example environment someone edited as it is', async () => {
    await migrateUpTo('006');
    await db.execute("INSERT INTO projects (id, name, repository_url, preset, default_branch, created_at, updated_at) VALUES ('p1', 'example', '/repo', 'node', 'main', 1, 1)");
    await db.execute("INSERT INTO settings (key, value, updated_at) VALUES ('quickstart.example', 'created', 1)");
    await env('e1', 'p1', 'production', 'in-place', 2);
    await migrateUpTo('007');
    expect((await db.execute("SELECT strategy FROM environments WHERE id = 'e1'")).rows[0]?.strategy).toBe('in-place');
  });
});
