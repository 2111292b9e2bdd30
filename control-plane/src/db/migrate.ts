import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './client.js';

/**
 * Numbered migrations `NNN_name.sql`, applied in order at start, each in its own write
 * transaction together with its row in `schema_migrations`. Running instances race safely:
 * the write transaction serialises them and an applied version is skipped.
 *
 * The directory sits next to this module in src/ and is copied next to the bundle by tsup
 * (control-plane/dist/migrations), so the same relative URL works in both.
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (err) {
    throw new MigrationError(`migrations directory ${dir} cannot be read (is the build missing dist/migrations?)`, { cause: err });
  }
  const migrations: Migration[] = [];
  for (const file of files.filter((f) => f.endsWith('.sql')).sort()) {
    const m = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new MigrationError(`migration file "${file}" must be named NNN_name.sql (lowercase, digits, "_")`);
    const version = Number(m[1]);
    if (migrations.some((x) => x.version === version)) throw new MigrationError(`two migrations share number ${m[1]}`);
    migrations.push({ version, name: m[2] ?? file, sql: await readFile(`${dir}/${file}`, 'utf8') });
  }
  return migrations;
}

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<number[]> {
  await db.execute(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const applied: number[] = [];
  for (const m of await readMigrations(dir)) {
    const tx = await db.transaction('write');
    try {
      const done = await tx.execute({ sql: 'SELECT 1 FROM schema_migrations WHERE version = ?', args: [m.version] });
      if (done.rows.length === 0) {
        await tx.executeMultiple(m.sql);
        await tx.execute({
          sql: 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
          args: [m.version, m.name, Date.now()],
        });
        applied.push(m.version);
      }
      await tx.commit();
    } catch (err) {
      await tx.rollback().catch(() => undefined);
      throw new MigrationError(`migration ${String(m.version).padStart(3, '0')}_${m.name} failed: ${(err as Error).message}`, { cause: err });
    } finally {
      tx.close();
    }
  }
  return applied;
}
