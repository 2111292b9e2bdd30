import { randomBytes } from 'node:crypto';
import { chmod, lstat, readdir, rename, rm, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';

/** lstat that answers null for "not there" and throws for anything else. */
export async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
}

export function isErrno(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

/** Write to a temp file beside `path`, then rename over it: readers see the old or the new bytes, never half. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * `rm -rf` that also copes with read-only directories (npm/pnpm/go caches make some): when
 * removal is refused, give every directory below back its owner write bit and try again.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 2 });
  } catch (error) {
    if (!isErrno(error, 'EACCES', 'EPERM', 'ENOTEMPTY')) throw error;
    await makeDirsWritable(path);
    await rm(path, { recursive: true, force: true, maxRetries: 2 });
  }
}

async function makeDirsWritable(path: string): Promise<void> {
  const stats = await lstatOrNull(path);
  // Symlinks are never followed: their targets are not ours to touch.
  if (!stats?.isDirectory()) return;
  await chmod(path, (stats.mode & 0o7777) | 0o700);
  const entries = await readdir(path, { withFileTypes: true });
  for (const entry of entries) if (entry.isDirectory()) await makeDirsWritable(join(path, entry.name));
}
