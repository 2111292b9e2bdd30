import { isValidGitRef } from '@devflow/protocol';
import type { SimpleGit } from 'simple-git';
import { AppError } from '../errors.js';

/** Read-only queries against a mirror. Every user value is validated and follows `--end-of-options`. */

export interface CommitInfo {
  sha: string;
  message: string;
  author: string;
  committedAt: string;
}
export interface BranchInfo {
  name: string;
  sha: string;
  committedAt: string;
}

const COMMIT = /^[0-9a-f]{7,40}$/;
const FIELD_SEP = '\u001f';
const COMMIT_FORMAT = ['%H', '%s', '%an <%ae>', '%cI'].join('%x1f');
/** Repository paths we read (devflow.yml, package.json): relative, no "..", no leading "-". */
const REPO_PATH = /^(?![-/])(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]{1,255}$/;

export function assertBranch(branch: string, field = 'branch'): void {
  if (!isValidGitRef(branch)) {
    throw new AppError('VALIDATION_FAILED', `${field}: "${branch}" is not a valid git branch name`, { field });
  }
}

export function assertRepoPath(path: string): void {
  if (!REPO_PATH.test(path)) throw new AppError('VALIDATION_FAILED', `path "${path}" is not a plain relative path`, { field: 'path' });
}

export function assertCommit(commit: string, field = 'commit'): void {
  if (!COMMIT.test(commit)) {
    throw new AppError('VALIDATION_FAILED', `${field}: "${commit}" is not a commit hash (7 to 40 lowercase hex characters)`, { field });
  }
}

function parseCommit(line: string): CommitInfo {
  const [sha = '', message = '', author = '', committedAt = ''] = line.split(FIELD_SEP);
  return { sha, message, author, committedAt };
}

/** The commit a ref or hash names, or null when the mirror has no such commit. */
export async function lookupCommit(git: SimpleGit, rev: string): Promise<CommitInfo | null> {
  // `rev-parse --quiet --verify` exits 1 without output when the name resolves to nothing.
  const out = await git.raw(['rev-parse', '--quiet', '--verify', '--end-of-options', `${rev}^{commit}`]).catch(() => '');
  const sha = out.trim();
  if (!/^[0-9a-f]{40}$/.test(sha)) return null;
  const line = await git.raw(['show', '--no-patch', `--format=${COMMIT_FORMAT}`, '--end-of-options', sha, '--']);
  return parseCommit(line.trim());
}

/** Whether `branch` contains `sha` (a full hash from lookupCommit, so safe in an option value). */
export async function branchContains(git: SimpleGit, sha: string, branch: string): Promise<boolean> {
  const out = await git.raw(['for-each-ref', `--contains=${sha}`, '--format=%(refname)', `refs/heads/${branch}`]);
  return out.split('\n').includes(`refs/heads/${branch}`);
}

export async function listBranches(git: SimpleGit): Promise<BranchInfo[]> {
  const out = await git.raw([
    'for-each-ref',
    '--sort=-committerdate',
    `--format=%(refname:lstrip=2)${FIELD_SEP}%(objectname)${FIELD_SEP}%(committerdate:iso-strict)`,
    'refs/heads/',
  ]);
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [name = '', sha = '', committedAt = ''] = line.split(FIELD_SEP);
      return { name, sha, committedAt };
    });
}

export async function listCommits(git: SimpleGit, branch: string, limit: number): Promise<CommitInfo[]> {
  assertBranch(branch);
  if ((await lookupCommit(git, `refs/heads/${branch}`)) === null) throw branchNotFound(branch);
  const out = await git.raw(['log', `--max-count=${limit}`, `--format=${COMMIT_FORMAT}`, '--end-of-options', `refs/heads/${branch}`, '--']);
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map(parseCommit);
}

export function branchNotFound(branch: string): AppError {
  return new AppError('NOT_FOUND', `branch "${branch}" does not exist in the repository`, { field: 'branch', branch });
}
