import { randomBytes } from 'node:crypto';
import { rename, rm, symlink } from 'node:fs/promises';
import { appPaths } from '../paths.js';
import { StepFailedError } from '../steps/handler.js';
import { isErrno } from './fs-util.js';

/**
 * Points `current` at `releases/<id>` atomically: a new symlink under a temporary name, then
 * rename(2) over `current`. A reader resolving `current` at any instant gets the old release or
 * the new one, never a missing or half-written link. The target is relative, so the whole data
 * dir can be moved or bind-mounted elsewhere.
 */
export async function switchCurrent(dataDir: string, app: string, releaseId: string): Promise<void> {
  const paths = appPaths(dataDir, app);
  const tmp = `${paths.current}.tmp-${randomBytes(6).toString('hex')}`;
  await symlink(`releases/${releaseId}`, tmp);
  try {
    await rename(tmp, paths.current);
  } catch (error) {
    await rm(tmp, { force: true });
    if (isErrno(error, 'EISDIR', 'ENOTEMPTY', 'EEXIST')) {
      throw new StepFailedError(`${paths.current} is a directory, not a symlink; move it away so DevFlow can switch releases`, null, null, {
        cause: error,
      });
    }
    throw error;
  }
}
