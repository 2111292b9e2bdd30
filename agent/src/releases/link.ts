import { mkdir } from 'node:fs/promises';
import { appPaths } from '../paths.js';
import { StepFailedError, type StepHandler } from '../steps/handler.js';
import { lstatOrNull } from './fs-util.js';
import { assertAppAndRelease, throwIfAborted } from './guard.js';
import { currentRelease } from './list.js';
import { reuseDependencies } from './reuse.js';
import { linkEnvFile, linkSharedPath } from './shared.js';

/**
 * release.link: shared paths and the env file linked into the new release, and dependency dirs
 * reused from the live release when their lockfile is unchanged. Output `{ reused: [paths] }`.
 */
export const releaseLink: StepHandler<'release.link'> = async (spec, ctx) => {
  assertAppAndRelease(spec.app, spec.releaseId);
  const paths = appPaths(ctx.dataDir, spec.app);
  const releaseDir = paths.release(spec.releaseId);
  const stats = await lstatOrNull(releaseDir);
  if (!stats?.isDirectory()) {
    throw new StepFailedError(`release ${spec.releaseId} of ${spec.app} does not exist; run git.sync for it first`);
  }
  await mkdir(paths.shared, { recursive: true });
  const log = ctx.log.bind(ctx);

  for (const entry of spec.sharedPaths) {
    throwIfAborted(ctx.signal, 'release.link');
    await linkSharedPath(releaseDir, paths.shared, entry, log);
  }
  if (spec.envFile) await linkEnvFile(releaseDir, paths.shared, spec.envFile, log);

  const reused: string[] = [];
  const live = spec.reuse.length > 0 ? await currentRelease(ctx.dataDir, spec.app) : null;
  if (spec.reuse.length > 0 && (live === null || live === spec.releaseId)) {
    ctx.log('system', `reuse: nothing to reuse from (${live === null ? 'no release is live yet' : 'this release is already live'})`);
  } else if (live !== null) {
    for (const entry of spec.reuse) {
      throwIfAborted(ctx.signal, 'release.link');
      if (await reuseDependencies(paths.release(live), releaseDir, entry, log, ctx.signal)) reused.push(entry.path);
    }
  }
  return { output: { reused } };
};
