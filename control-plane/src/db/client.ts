import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';

export type Db = Client;

/**
 * A libsql client for `file:` (embedded) or `libsql://` / `http(s)://` (sqld, Turso) URLs.
 * For a local file: the directory is created, WAL mode lets readers run beside the writer,
 * and a busy timeout makes concurrent writers wait instead of failing.
 */
/** How long a write waits for another connection's (or another instance's) write lock. */
const BUSY_TIMEOUT_MS = 5000;

export async function openDb(url: string, authToken?: string): Promise<Db> {
  if (url.startsWith('file:')) {
    const path = url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length);
    mkdirSync(dirname(path), { recursive: true });
  }
  // The client pools connections: a busy timeout set by PRAGMA would reach only the first one,
  // so it goes in the options (every pooled connection waits for a writer in another process).
  const db = createClient({ url, ...(authToken ? { authToken } : {}), ...(url.startsWith('file:') ? { timeout: BUSY_TIMEOUT_MS } : {}) });
  if (url.startsWith('file:')) {
    await db.execute('PRAGMA journal_mode = WAL');
    await db.execute('PRAGMA synchronous = NORMAL');
  }
  await db.execute('PRAGMA foreign_keys = ON');
  return db;
}

/** Row helpers: libsql returns loosely typed values. */
export const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
export const optStr = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const num = (v: unknown): number => Number(v ?? 0);
export const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
