import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError';
}

/**
 * The 32-byte key that encrypts secrets at rest: DEVFLOW_SECRET_KEY when given, else
 * `<dataDir>/secret.key`, generated once (mode 0600). Several instances must share
 * DEVFLOW_SECRET_KEY, since each would otherwise generate its own file.
 */
export async function loadOrCreateSecretKey(dataDir: string, fromEnv: Buffer | undefined): Promise<Buffer> {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'secret.key');
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    if (key.length !== 32) throw new SecretKeyError(`${file} does not hold a base64 32-byte key; restore it or set DEVFLOW_SECRET_KEY`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // `wx`: if another process created it meanwhile, fail and read theirs instead of overwriting.
  try {
    await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecretKey(dataDir, undefined);
    throw err;
  }
}
