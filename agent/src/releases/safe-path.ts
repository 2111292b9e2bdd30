import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { StepFailedError } from '../steps/handler.js';
import { lstatOrNull } from './fs-util.js';

/**
 * `base/rel`, refusing anything that is not strictly below `base` (absolute paths, "..", "",
 * "."). The protocol already refuses these; this is the second line of defence before a path
 * is moved, removed or linked.
 */
export function resolveInside(base: string, rel: string, what: string): string {
  const target = resolve(base, rel);
  const fromBase = relative(base, target);
  if (isAbsolute(rel) || fromBase === '' || fromBase === '..' || fromBase.startsWith(`..${sep}`) || isAbsolute(fromBase)) {
    throw new StepFailedError(`refused: ${what} "${rel}" is not a path inside ${base}`);
  }
  return target;
}

/**
 * Creates the directories leading to `base/rel` one by one, refusing to pass through a symlink
 * or a file. A checkout is the repository owner's content: a `storage -> /etc` link in it must
 * not make the agent create, move or delete anything outside the release.
 */
export async function ensureParentDirs(base: string, rel: string, what: string): Promise<void> {
  const parts = rel.split('/').filter((part) => part !== '' && part !== '.');
  let dir = base;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    const stats = await lstatOrNull(dir);
    if (!stats) {
      await mkdir(dir);
    } else if (stats.isSymbolicLink()) {
      throw new StepFailedError(`refused: ${what} "${rel}" goes through the symlink ${dir}; remove the link from the repository`);
    } else if (!stats.isDirectory()) {
      throw new StepFailedError(`refused: ${what} "${rel}" goes through ${dir}, which is a file, not a directory`);
    }
  }
}
