import { readdir, readlink } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { ReleaseId } from '@devflow/protocol';
import { appPaths } from '../paths.js';
import { StepFailedError } from '../steps/handler.js';
import { isErrno, lstatOrNull } from './fs-util.js';
import { readReleaseMeta, type ReleaseMeta } from './meta.js';

export interface ReleaseInfo {
  id: string;
  /** Absolute path of the release directory. */
  path: string;
  /** From metadata; null when the release has none (an interrupted checkout). */
  meta: ReleaseMeta | null;
  /** Metadata `createdAt`, falling back to the directory's mtime. */
  createdAt: Date;
  /** Whether `current` points at it. */
  live: boolean;
}

/**
 * The id of the live release (`current`'s target), or null when nothing was activated yet.
 * Fails when `current` exists but is not a link into `releases/` — someone replaced it by hand.
 */
export async function currentRelease(dataDir: string, app: string): Promise<string | null> {
  const paths = appPaths(dataDir, app);
  let target: string;
  try {
    target = await readlink(paths.current);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    if (isErrno(error, 'EINVAL')) {
      throw new StepFailedError(`${paths.current} is not a symlink; move it away so DevFlow can manage releases`);
    }
    throw error;
  }
  const absolute = resolve(paths.root, target);
  const id = basename(absolute);
  if (dirname(absolute) !== paths.releases || !ReleaseId.safeParse(id).success) {
    throw new StepFailedError(`${paths.current} points to ${target}, which is not a release under ${paths.releases}`);
  }
  return id;
}

/** Every release directory on disk with its metadata, newest first. */
export async function listReleases(dataDir: string, app: string): Promise<ReleaseInfo[]> {
  const paths = appPaths(dataDir, app);
  let names: string[];
  try {
    names = (await readdir(paths.releases, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && ReleaseId.safeParse(entry.name).success)
      .map((entry) => entry.name);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
  const live = await currentRelease(dataDir, app);
  const releases = await Promise.all(
    names.map(async (id): Promise<ReleaseInfo | null> => {
      const [meta, stats] = await Promise.all([readReleaseMeta(dataDir, app, id), lstatOrNull(paths.release(id))]);
      if (!stats) return null; // removed while we were listing
      const created = meta ? new Date(meta.createdAt) : stats.mtime;
      return {
        id,
        path: paths.release(id),
        meta,
        createdAt: Number.isNaN(created.getTime()) ? stats.mtime : created,
        live: id === live,
      };
    }),
  );
  return releases
    .filter((release): release is ReleaseInfo => release !== null)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id));
}
