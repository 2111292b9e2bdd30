import { AppError } from '../errors.js';
import { openGit } from './git.js';
import { MirrorStore, type RepositorySource } from './mirror.js';
import {
  assertBranch,
  assertCommit,
  branchContains,
  branchNotFound,
  listBranches,
  listCommits,
  listRootFiles,
  lookupCommit,
  readFileAt,
  type BranchInfo,
  type CommitInfo,
} from './read.js';

export type { RepositorySource } from './mirror.js';
export type { GitCredentials } from './credentials.js';
export type { BranchInfo, CommitInfo } from './read.js';
export { assertBranch, assertCommit } from './read.js';

export interface ResolvedCommit extends CommitInfo {
  /** The branch asked for, when one was. */
  branch?: string;
}

export interface RepositoriesOptions {
  /** `<dataDir>/repos`. */
  reposDir: string;
  /** Browsing (branches, commits) reuses a fetch younger than this; resolve always fetches. Default 10 s. */
  browseMaxAgeMs?: number;
  fetchInactivityTimeoutMs?: number;
}

/** The control plane's view of project repositories (see DESIGN "Pipeline"): all reads go through a fresh mirror. */
export interface Repositories {
  /**
   * Branch -> its head commit; commit (full or abbreviated) -> that commit; both -> the commit,
   * which must be on the branch (the agent fetches that branch to check it out).
   */
  resolve(source: RepositorySource, target: { branch?: string; commit?: string }): Promise<ResolvedCommit>;
  branches(source: RepositorySource): Promise<BranchInfo[]>;
  commits(source: RepositorySource, branch: string, limit?: number): Promise<CommitInfo[]>;
  /** A file at a commit already fetched (e.g. devflow.yml), or null when absent. */
  readFile(source: RepositorySource, commit: string, path: string): Promise<string | null>;
  listRootFiles(source: RepositorySource, commit: string): Promise<string[]>;
  /** Deletes a project's mirror (project deleted). */
  remove(projectId: string): Promise<void>;
}

export function createRepositories(options: RepositoriesOptions): Repositories {
  const mirrors = new MirrorStore({ reposDir: options.reposDir, fetchInactivityTimeoutMs: options.fetchInactivityTimeoutMs });
  const browseAge = options.browseMaxAgeMs ?? 10_000;
  const gitFor = async (source: RepositorySource, maxAgeMs: number) => openGit({ dir: await mirrors.sync(source, maxAgeMs) });

  /** Reads at a commit fetch only when the mirror does not have that commit yet. */
  const gitWithCommit = async (source: RepositorySource, commit: string) => {
    assertCommit(commit);
    const git = await gitFor(source, Number.POSITIVE_INFINITY);
    if ((await lookupCommit(git, commit)) !== null) return git;
    const fresh = await gitFor(source, 0);
    if ((await lookupCommit(fresh, commit)) === null) throw commitNotFound(commit);
    return fresh;
  };

  return {
    async resolve(source, target) {
      if (target.branch === undefined && target.commit === undefined) {
        throw new AppError('VALIDATION_FAILED', 'give a branch or a commit to deploy', { field: 'branch' });
      }
      if (target.branch !== undefined) assertBranch(target.branch);
      if (target.commit !== undefined) assertCommit(target.commit);
      const git = await gitFor(source, 0);
      if (target.branch !== undefined) {
        const head = await lookupCommit(git, `refs/heads/${target.branch}`);
        if (head === null) throw branchNotFound(target.branch);
        if (target.commit === undefined) return { ...head, branch: target.branch };
      }
      if (target.commit === undefined) throw new Error('unreachable: branch or commit checked above');
      const commit = await lookupCommit(git, target.commit);
      if (commit === null) throw commitNotFound(target.commit);
      if (target.branch !== undefined && !(await branchContains(git, commit.sha, target.branch))) {
        throw new AppError('VALIDATION_FAILED', `commit ${target.commit} is not on branch "${target.branch}"`, { field: 'commit' });
      }
      return target.branch !== undefined ? { ...commit, branch: target.branch } : commit;
    },
    async branches(source) {
      return listBranches(await gitFor(source, browseAge));
    },
    async commits(source, branch, limit = 20) {
      assertBranch(branch);
      const bounded = Math.min(Math.max(Math.trunc(limit), 1), 200);
      return listCommits(await gitFor(source, browseAge), branch, bounded);
    },
    async readFile(source, commit, path) {
      return readFileAt(await gitWithCommit(source, commit), commit, path);
    },
    async listRootFiles(source, commit) {
      return listRootFiles(await gitWithCommit(source, commit), commit);
    },
    remove: (projectId) => mirrors.remove(projectId),
  };
}

function commitNotFound(commit: string): AppError {
  return new AppError('NOT_FOUND', `commit ${commit} does not exist in the repository`, { field: 'commit', commit });
}
