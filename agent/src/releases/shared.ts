import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, relative } from 'node:path';
import type { LogStream } from '@devflow/protocol';
import { lstatOrNull, removeTree, writeFileAtomic } from './fs-util.js';
import { ensureParentDirs, resolveInside } from './safe-path.js';

type Log = (stream: LogStream, text: string) => void;

/**
 * Makes `release/<path>` a symlink to `shared/<path>`. The first release that contains the path
 * seeds `shared/` with it (moved, not copied); later releases' copies are dropped so that the
 * persistent data wins. A path that exists nowhere yet starts as an empty directory (`uploads`,
 * `storage/`), or as an empty file when its name has an extension (`.env`, `database.sqlite`):
 * apps create files inside such paths far more often than they expect a bare file.
 */
export async function linkSharedPath(releaseDir: string, sharedDir: string, entry: string, log: Log): Promise<void> {
  const rel = entry.replace(/\/+$/, '');
  const wantDir = entry.endsWith('/') || !basename(rel).includes('.');
  const inRelease = resolveInside(releaseDir, rel, 'shared path');
  const inShared = resolveInside(sharedDir, rel, 'shared path');
  await ensureParentDirs(releaseDir, rel, 'shared path');
  await ensureParentDirs(sharedDir, rel, 'shared path');

  const [releaseStats, sharedStats] = await Promise.all([lstatOrNull(inRelease), lstatOrNull(inShared)]);
  if (!sharedStats) {
    // A symlink in the checkout is not seeded: shared/ would then point wherever the repo says.
    if (releaseStats && !releaseStats.isSymbolicLink()) {
      await rename(inRelease, inShared);
      log('system', `shared ${rel}: seeded from this release`);
    } else {
      if (releaseStats) await rm(inRelease, { force: true });
      if (wantDir) await mkdir(inShared);
      else await writeFile(inShared, '', { flag: 'wx' });
      log('system', `shared ${rel}: created empty ${wantDir ? 'directory' : 'file'}`);
    }
  } else if (releaseStats) {
    await removeTree(inRelease);
    log('system', `shared ${rel}: replaced the release's copy with the shared one`);
  }
  await symlink(relative(dirname(inRelease), inShared), inRelease);
}

/** Writes `shared/<name>` (0600, atomically) and links it into the release. */
export async function linkEnvFile(
  releaseDir: string,
  sharedDir: string,
  file: { name: string; content: string },
  log: Log,
): Promise<void> {
  const inRelease = resolveInside(releaseDir, file.name, 'env file');
  const inShared = resolveInside(sharedDir, file.name, 'env file');
  await mkdir(sharedDir, { recursive: true });
  // rename() replaces whatever was there (even a symlink) instead of writing through it.
  await writeFileAtomic(inShared, file.content, 0o600);
  if (await lstatOrNull(inRelease)) await removeTree(inRelease);
  await symlink(relative(dirname(inRelease), inShared), inRelease);
  const count = file.content.split('\n').filter((line) => /^\s*[A-Za-z_][A-Za-z0-9_]*\s*=/.test(line)).length;
  log('system', `env file ${file.name}: wrote ${count} variable(s) to shared/${file.name} (mode 0600)`);
}
