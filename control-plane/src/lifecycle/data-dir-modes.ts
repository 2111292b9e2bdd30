import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.js';

export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

/** The embedded database file of a `file:` URL, else null (a libsql server keeps its own files). */
export function databaseFile(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith('file:')) return null;
  return databaseUrl.startsWith('file://') ? fileURLToPath(databaseUrl) : databaseUrl.slice('file:'.length);
}

function tighten(path: string, mode: number, what: string, logger: Logger): void {
  const current = statSync(path).mode & 0o777;
  if ((current & ~mode) === 0) return;
  try {
    chmodSync(path, mode);
  } catch (err) {
    throw new DataDirError(`${what} ${path} is mode ${current.toString(8)} (readable by other users) and cannot be changed to ${mode.toString(8)}: ${(err as Error).message}; fix its owner or mode`, { cause: err });
  }
  logger.warn(`${what} was readable by other users: mode tightened`, { path, from: current.toString(8), to: mode.toString(8) });
}

/**
 * The data dir holds the database (sealed secrets, but also names, logs, hashes) and, without
 * DEVFLOW_SECRET_KEY, the key itself: 0700 for the dir, 0600 for the database and key files,
 * checked at every start. A looser existing mode is tightened (and logged), not refused; one
 * that cannot be changed (another owner) stops the start with the reason. SQLite creates its
 * -wal and -shm files with the database file's mode, so they follow.
 */
export function secureDataDir(dataDir: string, databaseUrl: string, logger: Logger, phase: 'before-open' | 'after-open'): void {
  if (phase === 'before-open') {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    tighten(dataDir, 0o700, 'data dir', logger);
    // Created 0600 before SQLite opens it (an empty file is a new database), so it is never readable by others.
    const db = databaseFile(databaseUrl);
    if (db && !existsSync(db)) {
      mkdirSync(dirname(db), { recursive: true, mode: 0o700 });
      closeSync(openSync(db, 'a', 0o600));
    }
    return;
  }
  const db = databaseFile(databaseUrl);
  const files = [join(dataDir, 'secret.key'), ...(db ? [db, `${db}-wal`, `${db}-shm`] : [])];
  for (const file of files) if (existsSync(file)) tighten(file, 0o600, 'file', logger);
}
