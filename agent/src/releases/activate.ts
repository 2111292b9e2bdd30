import { appPaths } from '../paths.js';
import { StepFailedError, type StepContext, type StepHandler, type StepOutcome } from '../steps/handler.js';
import { lstatOrNull } from './fs-util.js';
import { assertAppAndRelease } from './guard.js';
import { currentRelease, listReleases } from './list.js';
import { readReleaseMeta, writeReleaseMeta, type ReleaseMeta } from './meta.js';
import { switchCurrent } from './switch.js';

/** release.activate: make a freshly built release live. Output `{ previousReleaseId }`. */
export const releaseActivate: StepHandler<'release.activate'> = async (spec, ctx) => {
  assertAppAndRelease(spec.app, spec.releaseId);
  const state = await readState(ctx.dataDir, spec.app, spec.releaseId);
  if (!state.isDirectory) {
    throw new StepFailedError(`cannot activate release ${spec.releaseId} of ${spec.app}: it does not exist on this server`);
  }
  return makeLive(spec.app, spec.releaseId, state, ctx, 'activated');
};

/** release.rollback: make an older release that is still on disk live again. Output `{ previousReleaseId }`. */
export const releaseRollback: StepHandler<'release.rollback'> = async (spec, ctx) => {
  assertAppAndRelease(spec.app, spec.releaseId);
  const state = await readState(ctx.dataDir, spec.app, spec.releaseId);
  if (!state.isDirectory) {
    const onDisk = (await listReleases(ctx.dataDir, spec.app)).map((release) => release.id);
    throw new StepFailedError(
      `cannot roll back to release ${spec.releaseId} of ${spec.app}: it is no longer on this server (pruned?); ` +
        `releases on disk: ${onDisk.length > 0 ? onDisk.join(', ') : 'none'}`,
    );
  }
  return makeLive(spec.app, spec.releaseId, state, ctx, 'rolled back to');
};

interface ReleaseState {
  isDirectory: boolean;
  meta: ReleaseMeta | null;
  previousReleaseId: string | null;
}

/** The three independent reads a switch starts with, at once. */
async function readState(dataDir: string, app: string, releaseId: string): Promise<ReleaseState> {
  const [dir, meta, previousReleaseId] = await Promise.all([
    lstatOrNull(appPaths(dataDir, app).release(releaseId)),
    readReleaseMeta(dataDir, app, releaseId),
    currentRelease(dataDir, app),
  ]);
  return { isDirectory: dir?.isDirectory() ?? false, meta, previousReleaseId };
}

async function makeLive(app: string, releaseId: string, { meta, previousReleaseId }: ReleaseState, ctx: StepContext, verb: string): Promise<StepOutcome> {
  // No metadata means git.sync never finished writing this checkout: never put that live.
  if (!meta) {
    throw new StepFailedError(`release ${releaseId} of ${app} is incomplete (its checkout never finished); deploy it again`);
  }
  if (previousReleaseId === releaseId) {
    ctx.log('system', `release ${releaseId} is already live`);
  } else {
    await switchCurrent(ctx.dataDir, app, releaseId);
    ctx.log('system', `${verb} release ${releaseId} (${meta.commit.slice(0, 12)}); previous: ${previousReleaseId ?? 'none'}`);
  }
  await writeReleaseMeta(ctx.dataDir, app, { ...meta, activatedAt: new Date().toISOString() });
  return { output: { previousReleaseId } };
}
