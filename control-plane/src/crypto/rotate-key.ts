import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { SecretBox } from './secret-box.js';

/**
 * Every sealed column and the context its values were sealed with (see each store). A column
 * holding sealed values that is not listed here stops a rotation before anything changes.
 */
const SEALED: { table: string; keys: string[]; column: string; context: (row: Record<string, unknown>) => string }[] = [
  { table: 'steps', keys: ['id'], column: 'spec_enc', context: (r) => `step:${String(r.id)}:spec` },
  { table: 'steps', keys: ['id'], column: 'secrets_enc', context: (r) => `step:${String(r.id)}` },
  { table: 'projects', keys: ['id'], column: 'credentials_enc', context: (r) => `project:${String(r.id)}:credentials` },
  { table: 'projects', keys: ['id'], column: 'repository_url_enc', context: (r) => `project:${String(r.id)}:url` },
  { table: 'environment_variables', keys: ['environment_id', 'key'], column: 'value_enc', context: (r) => `env:${String(r.environment_id)}:${String(r.key)}` },
  { table: 'deployments', keys: ['id'], column: 'plan_enc', context: (r) => `plan:${String(r.id)}` },
  { table: 'deployments', keys: ['id'], column: 'variables_enc', context: (r) => `variables:${String(r.id)}` },
  { table: 'project_webhooks', keys: ['project_id'], column: 'secret_enc', context: (r) => `project:${String(r.project_id)}:webhook` },
  { table: 'notifications', keys: ['id'], column: 'channel_enc', context: (r) => `notification:${String(r.id)}` },
];
const SIGNING_SETTING = 'agent_signing_key';
const SEALED_VALUE = /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$/;

/** `<dataDir>/secret.key.next`: the new key, written before the re-sealed rows commit. */
const nextKeyFile = (dataDir: string) => join(dataDir, 'secret.key.next');

/** Columns holding sealed-looking values that SEALED does not name (a newer store this code cannot re-seal). */
async function unknownSealedColumns(db: Db): Promise<string[]> {
  const known = new Set(SEALED.map((s) => `${s.table}.${s.column}`));
  const tables = (await db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).rows.map((r) => String(r.name));
  const unknown: string[] = [];
  for (const table of tables) {
    for (const col of (await db.execute(`PRAGMA table_info("${table}")`)).rows) {
      const column = String(col.name);
      if (known.has(`${table}.${column}`) || (table === 'settings' && column === 'value')) continue;
      if (!/TEXT/i.test(String(col.type))) continue;
      const rs = await db.execute(`SELECT "${column}" AS v FROM "${table}" WHERE "${column}" LIKE 'v1.%' LIMIT 20`);
      if (rs.rows.some((r) => SEALED_VALUE.test(String(r.v)))) unknown.push(`${table}.${column}`);
    }
  }
  return unknown;
}

export interface RotationResult {
  /** Values re-sealed, per table.column. */
  resealed: Record<string, number>;
  /** Where the new key was written; null when it comes from DEVFLOW_SECRET_KEY (the operator sets it). */
  keyFile: string | null;
}

/**
 * Re-seals every secret at rest with a new key in one write transaction, then switches `box` to it:
 * from then on the old key opens nothing. With the key in the data dir (no DEVFLOW_SECRET_KEY) the
 * new key is generated and written to `secret.key.next` before the commit and renamed over
 * `secret.key` after it; `settleKeyRotation` finishes an interrupted one at the next start.
 * With DEVFLOW_SECRET_KEY the caller gives the new key and must set the variable to it before the
 * next start (and on every other instance, which keeps the old key until restarted).
 */
export async function rotateSecretKey(db: Db, box: SecretBox, options: { dataDir: string; keyFromEnv: boolean; newKey?: Buffer }): Promise<RotationResult> {
  if (options.keyFromEnv && !options.newKey) {
    throw new AppError('VALIDATION_FAILED', 'newKey: the key comes from DEVFLOW_SECRET_KEY, so give the new one (32 bytes, base64 or hex: `openssl rand -base64 32`) and set DEVFLOW_SECRET_KEY to it before the next start', { field: 'newKey' });
  }
  const unknown = await unknownSealedColumns(db);
  if (unknown.length) throw new AppError('CONFLICT', `cannot rotate: ${unknown.join(', ')} hold sealed values this version does not know how to re-seal; nothing was changed`);
  const newKey = options.newKey ?? randomBytes(32);
  const next = new SecretBox(newKey);
  const keyFile = options.keyFromEnv ? null : join(options.dataDir, 'secret.key');
  if (!options.keyFromEnv) writeFileSync(nextKeyFile(options.dataDir), `${newKey.toString('base64')}\n`, { mode: 0o600 });
  const resealed: Record<string, number> = {};
  const tx = await db.transaction('write');
  try {
    for (const s of SEALED) {
      const rs = await tx.execute(`SELECT ${s.keys.join(', ')}, ${s.column} AS sealed FROM ${s.table} WHERE ${s.column} IS NOT NULL`);
      for (const row of rs.rows) {
        const context = s.context(row);
        const value = next.seal(box.open(String(row.sealed), context), context);
        await tx.execute({ sql: `UPDATE ${s.table} SET ${s.column} = ? WHERE ${s.keys.map((k) => `${k} = ?`).join(' AND ')}`, args: [value, ...s.keys.map((k) => row[k] as string)] });
      }
      resealed[`${s.table}.${s.column}`] = rs.rows.length;
    }
    const signing = (await tx.execute({ sql: 'SELECT value FROM settings WHERE key = ?', args: [SIGNING_SETTING] })).rows[0];
    if (signing) {
      const stored = JSON.parse(String(signing.value)) as { publicJwk: unknown; privateSealed: string };
      stored.privateSealed = next.seal(box.open(stored.privateSealed, SIGNING_SETTING), SIGNING_SETTING);
      await tx.execute({ sql: 'UPDATE settings SET value = ?, updated_at = ? WHERE key = ?', args: [JSON.stringify(stored), Date.now(), SIGNING_SETTING] });
      resealed['settings.agent_signing_key'] = 1;
    }
    await tx.commit();
  } catch (err) {
    await tx.rollback().catch(() => undefined);
    if (!options.keyFromEnv) rmSync(nextKeyFile(options.dataDir), { force: true });
    throw err;
  } finally {
    tx.close();
  }
  if (!options.keyFromEnv) renameSync(nextKeyFile(options.dataDir), join(options.dataDir, 'secret.key'));
  box.rekey(newKey);
  await db.execute('PRAGMA wal_checkpoint(TRUNCATE)').catch(() => undefined);
  return { resealed, keyFile };
}

/**
 * At start, before the key is loaded: a `secret.key.next` left by a rotation that stopped between
 * writing it and renaming it. If the signing key opens with it, the rotation committed: it becomes
 * `secret.key`; otherwise the rotation rolled back and it is removed.
 */
export async function settleKeyRotation(db: Db, dataDir: string): Promise<void> {
  const file = nextKeyFile(dataDir);
  if (!existsSync(file)) return;
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  const signing = (await db.execute({ sql: 'SELECT value FROM settings WHERE key = ?', args: [SIGNING_SETTING] })).rows[0];
  let committed = false;
  if (signing && key.length === 32) {
    try {
      new SecretBox(key).open((JSON.parse(String(signing.value)) as { privateSealed: string }).privateSealed, SIGNING_SETTING);
      committed = true;
    } catch {
      committed = false;
    }
  }
  if (committed) renameSync(file, join(dataDir, 'secret.key'));
  else rmSync(file, { force: true });
}
