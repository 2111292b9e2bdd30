import { lutimes, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GitError } from './errors.js';
import { FULL_SHA } from './mirror.js';
import { runGit, type GitOptions } from './run-git.js';

/**
 * Writes the tree of `commit` into `dest` (no `.git` inside): one git process, reading straight
 * from the bare mirror. The index goes to `indexFile` instead of the mirror's own, so two
 * checkouts of the same mirror never share (or lock) an index.
 *
 * Every file written gets a modification time a whole second before the checkout began (see
 * `stampSourceTimes`).
 */
export async function checkoutCommit(
  gitDir: string,
  commit: string,
  dest: string,
  indexFile: string,
  run: Omit<GitOptions, 'gitDir'> = {},
): Promise<void> {
  // Only a resolved full sha gets here; `checkout` has no --end-of-options, so check it ourselves.
  if (!FULL_SHA.test(commit)) throw new TypeError(`checkoutCommit: not a full commit sha: ${commit}`);
  await mkdir(dest, { recursive: true });
  const startedMs = Date.now();
  try {
    const result = await runGit([`--work-tree=${dest}`, 'checkout', '--force', '--quiet', commit, '--', '.'], {
      ...run,
      gitDir,
      env: { ...run.env, GIT_INDEX_FILE: indexFile },
    });
    if (result.exitCode !== 0) throw new GitError(`git checkout ${commit}`, result);
  } finally {
    await rm(indexFile, { force: true });
  }
  await stampSourceTimes(dest, Math.floor(startedMs / 1000) - 1);
}

/**
 * Sets the modification time of everything under `dir` (symlinks themselves, never their targets)
 * to `seconds`. Caches built from the sources later in the pipeline must look strictly newer even to
 * a one-second clock: Laravel's Blade treats a compiled view as stale when the view's mtime is `>=`
 * its own, so a view checked out in the same second as `view:cache` ran was compiled again by every
 * PHP-FPM worker after the switch, each rewriting the file in place while others included it
 * (an empty 200 response). Twig's auto_reload and other mtime-keyed caches ask the same question.
 */
export async function stampSourceTimes(dir: string, seconds: number): Promise<void> {
  const entries = await readdir(dir, { recursive: true });
  const BATCH = 64;
  for (let i = 0; i < entries.length; i += BATCH) {
    await Promise.all(entries.slice(i, i + BATCH).map((entry) => lutimes(join(dir, entry), seconds, seconds)));
  }
  await lutimes(dir, seconds, seconds);
}
