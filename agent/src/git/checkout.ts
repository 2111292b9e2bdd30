import { mkdir, rm } from 'node:fs/promises';
import { GitError } from './errors.js';
import { FULL_SHA } from './mirror.js';
import { runGit, type GitOptions } from './run-git.js';

/**
 * Writes the tree of `commit` into `dest` (no `.git` inside): one git process, reading straight
 * from the bare mirror. The index goes to `indexFile` instead of the mirror's own, so two
 * checkouts of the same mirror never share (or lock) an index.
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
}
