import { randomBytes } from 'node:crypto';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { appPaths } from '../paths.js';
import type { StepHandler } from '../steps/handler.js';
import { isErrno, removeTree } from './fs-util.js';
import { assertApp, throwIfAborted } from './guard.js';
import { releasesToKeep } from './keep-rule.js';
import { currentRelease, listReleases } from './list.js';

const TRASH_PREFIX = '.trash-';

/**
 * release.prune: keep the newest `keep` releases that went live (see keep-rule.ts; releases that
 * never went live, or that the control plane names as failed, are removed first), plus the live
 * one and every protected id whatever their age; remove the rest. Output `{ removed: [ids], kept: [ids] }`.
 */
export const releasePrune: StepHandler<'release.prune'> = async (spec, ctx) => {
  assertApp(spec.app);
  const paths = appPaths(ctx.dataDir, spec.app);
  const releases = await listReleases(ctx.dataDir, spec.app);
  const live = await currentRelease(ctx.dataDir, spec.app);
  const failed = new Set(spec.failed ?? []);
  const candidates = releases.map((release) => ({ id: release.id, createdAt: release.createdAt, wentLive: Boolean(release.meta?.activatedAt) && !failed.has(release.id) }));
  const keep = releasesToKeep(candidates, spec.keep, [...spec.protect, ...(live ? [live] : [])]);

  const removed: string[] = [];
  for (const release of releases) {
    if (keep.has(release.id)) continue;
    throwIfAborted(ctx.signal, 'release.prune');
    // Renamed out of the way first: a half-deleted tree never looks like a release.
    const trash = join(paths.releases, `${TRASH_PREFIX}${release.id}-${randomBytes(4).toString('hex')}`);
    await rename(release.path, trash);
    await rm(paths.releaseMeta(release.id), { force: true });
    await removeTree(trash);
    removed.push(release.id);
    ctx.log('system', `removed release ${release.id} (created ${release.createdAt.toISOString()})`);
  }
  await removeLeftovers(paths.releases);

  const kept = releases.filter((release) => keep.has(release.id)).map((release) => release.id);
  ctx.log('system', `kept ${kept.length} release(s): ${kept.join(', ') || 'none'}; removed ${removed.length}`);
  return { output: { removed, kept } };
};

/** Trash and metadata left behind by a prune that was interrupted (crash, cancel). */
async function removeLeftovers(releasesDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(releasesDir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  const present = new Set(names);
  for (const name of names) {
    const orphanMeta = /^\.(.+)\.json$/.exec(name)?.[1];
    if (name.startsWith(TRASH_PREFIX) || (orphanMeta !== undefined && !present.has(orphanMeta))) {
      await removeTree(join(releasesDir, name));
    }
  }
}
