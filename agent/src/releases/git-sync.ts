import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { appPaths } from '../paths.js';
import { checkoutCommit } from '../git/checkout.js';
import { prepareCredentials } from '../git/credentials.js';
import { GitError } from '../git/errors.js';
import { ensureMirror, fetchRef, findCommitOnRef, FULL_SHA, inspectCommit, trackingRef, type CommitInfo } from '../git/mirror.js';
import { describeGitFailure } from '../git/run-git.js';
import { StepFailedError, type StepContext, type StepHandler } from '../steps/handler.js';
import { lstatOrNull, removeTree } from './fs-util.js';
import { assertAppAndRelease, assertGitInputs, redactUrl, throwIfAborted } from './guard.js';
import { currentRelease } from './list.js';
import { writeReleaseMeta } from './meta.js';

/**
 * git.sync: bring the app's bare mirror up to date (only as far as needed) and write the exact
 * commit into `releases/<id>`. With an explicit commit that the mirror already has on the ref,
 * there is no network fetch at all — the common case of a redeploy or a second server.
 */
export const gitSync: StepHandler<'git.sync'> = async (spec, ctx) => {
  assertAppAndRelease(spec.app, spec.releaseId);
  assertGitInputs(spec);
  const paths = appPaths(ctx.dataDir, spec.app);
  const releaseDir = paths.release(spec.releaseId);
  const run = { signal: ctx.signal, onLine: (stream: 'stdout' | 'stderr', line: string) => ctx.log(stream, line) };

  /** `quiet`: a speculative checkout's errors are not the user's business (it is retried or dropped). */
  const checkout = async (commit: string, quiet = false): Promise<void> => {
    const indexFile = `${paths.releaseMeta(spec.releaseId)}.index-${randomBytes(4).toString('hex')}`;
    try {
      await checkoutCommit(paths.repo, commit, releaseDir, indexFile, quiet ? { signal: ctx.signal } : run);
    } catch (error) {
      await removeTree(releaseDir);
      throw error;
    }
  };

  try {
    await clearStaleRelease(ctx, spec.app, spec.releaseId);
    const created = await ensureMirror(paths.repo, run);
    if (created) ctx.log('system', `created mirror ${paths.repo}`);

    let info = spec.commit && !created ? await fastPath(paths.repo, spec.commit, spec.ref, ctx, releaseDir, checkout) : null;
    if (info) {
      ctx.log('system', `commit ${info.commit.slice(0, 12)} "${info.message}" was already in the mirror on ${spec.ref} (no fetch); checked out into ${releaseDir}`);
    } else {
      await fetch(paths.repo, spec, ctx);
      info = spec.commit ? await findOnRef(paths.repo, spec.commit, spec.ref, ctx) : await inspectCommit(paths.repo, trackingRef(spec.ref), run);
      if (!info) throw await commitNotOnRef(paths.repo, spec, ctx);
      throwIfAborted(ctx.signal, 'git.sync');
      ctx.log('system', `checking out ${info.commit.slice(0, 12)} "${info.message}" into ${releaseDir}`);
      await checkout(info.commit);
    }
    throwIfAborted(ctx.signal, 'git.sync');
    await writeReleaseMeta(ctx.dataDir, spec.app, {
      releaseId: spec.releaseId,
      ...info,
      ref: spec.ref,
      createdAt: new Date().toISOString(),
    });
    return { output: { ...info } };
  } catch (error) {
    throwIfAborted(ctx.signal, 'git.sync');
    if (error instanceof GitError) throw new StepFailedError(error.message, error.result.exitCode, error.result.signal, { cause: error });
    throw error;
  }
};

/**
 * A redeploy, a rollback by commit or the second server of a deployment: the commit is usually
 * in the mirror already. Then the checkout runs alongside the look-up instead of after it
 * (it is the slowest part); if the commit turns out not to be on the ref, it is thrown away.
 */
async function fastPath(
  gitDir: string,
  commit: string,
  ref: string,
  ctx: StepContext,
  releaseDir: string,
  checkout: (commit: string, quiet?: boolean) => Promise<void>,
): Promise<CommitInfo | null> {
  // Only a full sha can be checked out before it is resolved.
  const early = FULL_SHA.test(commit) ? checkout(commit, true).then(() => true, () => false) : Promise.resolve(false);
  let info: CommitInfo | null;
  try {
    info = await findOnRef(gitDir, commit, ref, ctx);
  } catch (error) {
    if (await early) await removeTree(releaseDir);
    throw error;
  }
  const checkedOut = await early;
  if (!info) {
    if (checkedOut) await removeTree(releaseDir);
    return null;
  }
  if (!checkedOut) await checkout(info.commit);
  return info;
}

/** The commit, if the mirror has it and it is reachable from the ref as last fetched. */
function findOnRef(gitDir: string, commit: string, ref: string, ctx: StepContext): Promise<CommitInfo | null> {
  return findCommitOnRef(gitDir, commit, trackingRef(ref), { signal: ctx.signal });
}

async function fetch(gitDir: string, spec: Parameters<typeof gitSync>[0], ctx: StepContext): Promise<void> {
  const url = redactUrl(spec.repoUrl);
  ctx.log('system', `fetching ${spec.ref} from ${url}`);
  const credentials = await prepareCredentials({ sshPrivateKey: spec.sshPrivateKey, httpsToken: spec.httpsToken });
  try {
    const result = await fetchRef(gitDir, spec.repoUrl, spec.ref, {
      env: credentials.env,
      signal: ctx.signal,
      onLine: (stream, line) => ctx.log(stream, line),
    });
    throwIfAborted(ctx.signal, `fetch of ${spec.ref}`);
    if (result.exitCode !== 0) {
      throw new StepFailedError(
        `could not fetch ${spec.ref} from ${url} (${describeGitFailure(result)}); check the repository URL, ` +
          'that the branch exists, and the deploy key or token',
        result.exitCode,
        result.signal,
      );
    }
  } finally {
    await credentials.dispose();
  }
}

/** Says which of "unknown commit" and "commit exists, but elsewhere" it is, with the ref's head. */
async function commitNotOnRef(gitDir: string, spec: Parameters<typeof gitSync>[0], ctx: StepContext): Promise<StepFailedError> {
  const head = await inspectCommit(gitDir, trackingRef(spec.ref), { signal: ctx.signal });
  const headText = head ? ` (its head is ${head.commit.slice(0, 12)} "${head.message}")` : '';
  if (!spec.commit) return new StepFailedError(`${spec.ref} has no commit after fetching${headText}`);
  const known = await inspectCommit(gitDir, spec.commit, { signal: ctx.signal });
  return new StepFailedError(
    known
      ? `commit ${spec.commit} exists but is not on ${spec.ref}${headText}; deploy it from the branch that contains it`
      : `commit ${spec.commit} does not exist on ${spec.ref} of ${redactUrl(spec.repoUrl)}${headText}`,
  );
}

/** A release dir left by an interrupted earlier attempt is replaced; the live release never is. */
async function clearStaleRelease(ctx: StepContext, app: string, releaseId: string): Promise<void> {
  const paths = appPaths(ctx.dataDir, app);
  const releaseDir = paths.release(releaseId);
  if (!(await lstatOrNull(releaseDir))) return;
  if ((await currentRelease(ctx.dataDir, app)) === releaseId) {
    throw new StepFailedError(`release ${releaseId} is live; refusing to check out over it (use a new release id)`);
  }
  ctx.log('system', `removing leftover ${releaseDir} from an earlier attempt`);
  await rm(paths.releaseMeta(releaseId), { force: true });
  await removeTree(releaseDir);
}
