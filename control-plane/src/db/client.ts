import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { openLocalClient } from './local-client.js';

export type Db = Client;

/** How long a write waits for another connection's (or another instance's) write lock. */
const BUSY_TIMEOUT_MS = 5000;
/** Connections the client pools for a local file (libsql's default is 20). */
const FILE_POOL = 8;

/**
 * A libsql client for `file:` (embedded, see local-client.ts) or `libsql://` / `http(s)://` (sqld, Turso) URLs.
 * For a local file: the directory is created, WAL mode lets readers run beside the writer,
 * and a busy timeout makes concurrent writers wait instead of failing.
 *
 * The client pools connections and PRAGMAs other than journal_mode hold per connection, so
 * every pooled connection is opened here and set up: `synchronous = NORMAL` (without it each
 * commit fsyncs; under load that made every write cost milliseconds), `foreign_keys = ON` and
 * `secure_delete = ON`.
 */
export async function openDb(url: string, authToken?: string): Promise<Db> {
  const file = url.startsWith('file:');
  if (!file) {
    const db = createClient({ url, ...(authToken ? { authToken } : {}) });
    await db.execute('PRAGMA foreign_keys = ON');
    return db;
  }
  const path = url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length);
  mkdirSync(dirname(path), { recursive: true });
  const db = openLocalClient(path, { timeout: BUSY_TIMEOUT_MS, connections: FILE_POOL });
  await db.execute('PRAGMA journal_mode = WAL');
  // Calls started together each borrow their own connection: this reaches all of them.
  const everyConnection = (sql: string) => Promise.all(Array.from({ length: FILE_POOL }, () => db.execute(sql)));
  await everyConnection('PRAGMA synchronous = NORMAL');
  await everyConnection('PRAGMA foreign_keys = ON');
  // A value overwritten (a secret sealed after an upgrade, a deleted row) is zeroed in the file, not left in a free page.
  await everyConnection('PRAGMA secure_delete = ON');
  return db;
}

/** Row helpers: libsql returns loosely typed values. */
export const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
export const optStr = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const num = (v: unknown): number => Number(v ?? 0);
export const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
