import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GitError } from './errors.js';
import { runGit, type GitOptions, type GitResult } from './run-git.js';

/** What `git.sync` reports about the commit it checked out. */
export interface CommitInfo {
  /** Full 40-hex sha. */
  commit: string;
  /** Subject line. */
  message: string;
  /** "Name <email>". */
  author: string;
  /** Committer date, strict ISO 8601. */
  committedAt: string;
}

type Run = Omit<GitOptions, 'gitDir'>;

export const FULL_SHA = /^[0-9a-f]{40}$/;

/**
 * Where a fetched branch or tag is kept in the mirror. A namespace of our own, so that the
 * mirror's refs double as the "haves" that make the next fetch incremental, and a ref name can
 * never collide with HEAD or git's own refs.
 */
export const trackingRef = (ref: string): string => `refs/devflow/${ref}`;

/**
 * Creates the bare mirror if it is not there yet. Initialised under a temporary name and
 * renamed into place, so a crash never leaves a half-made `repo.git` behind. Returns whether it
 * was created (a fresh mirror has nothing to look up before fetching).
 */
export async function ensureMirror(gitDir: string, run: Run = {}): Promise<boolean> {
  if (await exists(`${gitDir}/HEAD`)) return false;
  await mkdir(dirname(gitDir), { recursive: true });
  const tmp = `${gitDir}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    const result = await runGit(['init', '--bare', '--quiet'], { ...run, gitDir: tmp });
    if (result.exitCode !== 0) throw new GitError('git init --bare', result);
    await rename(tmp, gitDir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return true;
}

/**
 * Fetches one branch or tag (and the objects it needs, nothing else) into `trackingRef(ref)`.
 * The URL and ref were validated by the caller; `--end-of-options` still keeps either from
 * ever being read as an option.
 */
export async function fetchRef(gitDir: string, url: string, ref: string, run: Run = {}): Promise<GitResult> {
  return runGit(
    ['fetch', '--no-tags', '--no-write-fetch-head', '--end-of-options', url, `+${ref}:${trackingRef(ref)}`],
    { ...run, gitDir },
  );
}

const INFO_FORMAT = '%H%x00%s%x00%an <%ae>%x00%cI';

/** Resolves a commit (sha, abbreviated sha or ref) in the mirror; null when it is not there. */
export async function inspectCommit(gitDir: string, rev: string, run: Run = {}): Promise<CommitInfo | null> {
  const result = await runGit(['log', '-1', `--format=${INFO_FORMAT}`, '--end-of-options', `${rev}^{commit}`, '--'], {
    ...run,
    gitDir,
    captureStdout: true,
  });
  // 128 is git's "no such object / ambiguous / bad revision": the commit is not (yet) here.
  if (result.exitCode === 128) return null;
  if (result.exitCode !== 0) throw new GitError(`git log ${rev}`, result);
  return parseInfo(result.stdout[0], result, `git log ${rev}`);
}

/**
 * The commit, if the mirror has it and it is reachable from `ref`; null otherwise (also when
 * the ref is not in the mirror yet). One git process reads both the commit and the ref's tip:
 * when they are the same commit (a deploy of the branch head, a redeploy, a second server)
 * that settles it; only an older commit needs a merge-base check.
 *
 * A full sha found before on the same ref tip is answered from memory without any process:
 * a commit's metadata and its ancestry to a given tip never change, and a commit reachable
 * from a ref is never pruned from the mirror.
 */
export async function findCommitOnRef(gitDir: string, rev: string, ref: string, run: Run = {}): Promise<CommitInfo | null> {
  const tip = FULL_SHA.test(rev) ? await readRefTip(gitDir, ref) : null;
  const key = tip === null ? undefined : `${gitDir}\0${rev}\0${tip}`;
  const known = key === undefined ? undefined : foundOnRef.get(key);
  if (known) return known;
  const info = await lookUpOnRef(gitDir, rev, ref, run);
  if (info && key !== undefined) {
    if (foundOnRef.size >= FOUND_ON_REF_LIMIT) foundOnRef.delete(foundOnRef.keys().next().value!);
    foundOnRef.set(key, info);
  }
  return info;
}

/** Commits found on a ref tip by this process: `<gitDir> NUL <sha> NUL <tip sha>` -> commit. */
const foundOnRef = new Map<string, CommitInfo>();
const FOUND_ON_REF_LIMIT = 1000;

async function lookUpOnRef(gitDir: string, rev: string, ref: string, run: Run): Promise<CommitInfo | null> {
  // --no-walk=unsorted: each given commit once, in the order given (one line if both are the same).
  const result = await runGit(['log', '--no-walk=unsorted', `--format=${INFO_FORMAT}`, '--end-of-options', `${rev}^{commit}`, `${ref}^{commit}`, '--'], {
    ...run,
    gitDir,
    captureStdout: true,
  });
  if (result.exitCode === 128) return null;
  if (result.exitCode !== 0) throw new GitError(`git log ${rev} ${ref}`, result);
  const info = parseInfo(result.stdout[0], result, `git log ${rev} ${ref}`);
  const tip = result.stdout[1] === undefined ? info : parseInfo(result.stdout[1], result, `git log ${rev} ${ref}`);
  if (tip.commit === info.commit) return info;
  return (await isAncestor(gitDir, info.commit, ref, run)) ? info : null;
}

/**
 * The sha a ref of the mirror points at, read from the files git keeps it in (a loose ref,
 * else packed-refs); null when neither has it or it is not a plain sha (then git is asked).
 * git replaces a ref file by rename, so a read sees the old tip or the new one.
 */
export async function readRefTip(gitDir: string, ref: string): Promise<string | null> {
  const loose = await readFile(join(gitDir, ref), 'utf8').catch(() => null);
  if (loose !== null) return FULL_SHA.test(loose.trim()) ? loose.trim() : null;
  const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
  for (const line of packed.split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === ref && sha !== undefined && FULL_SHA.test(sha)) return sha;
  }
  return null;
}

function parseInfo(line: string | undefined, result: GitResult, what: string): CommitInfo {
  const [commit, message, author, committedAt] = (line ?? '').split('\0');
  if (!commit || message === undefined || author === undefined || !committedAt) throw new GitError(`${what} (unexpected output)`, result);
  return { commit, message, author, committedAt };
}

/** Whether `commit` is reachable from `ref` in the mirror (false when either is missing). */
export async function isAncestor(gitDir: string, commit: string, ref: string, run: Run = {}): Promise<boolean> {
  const result = await runGit(['merge-base', '--is-ancestor', '--end-of-options', commit, ref], { ...run, gitDir });
  if (result.exitCode === 0) return true;
  if (result.exitCode === 1 || result.exitCode === 128) return false;
  throw new GitError(`git merge-base ${commit} ${ref}`, result);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
