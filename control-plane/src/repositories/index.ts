import { AppError } from '../errors.js';
import { openGit } from './git.js';
import { MirrorStore, type RepositorySource } from './mirror.js';
import { assertBranch, assertCommit, assertRepoPath, branchContains, branchNotFound, listBranches, listCommits, type BranchInfo, type CommitInfo } from './read.js';
import type { ObjectReader } from './cat-file.js';
import type { RepositoryUrlPolicy } from './url-policy.js';
import { CommitFilesCache } from './files-cache.js';
import { readCommit, readCommitFiles, withReader, type CommitFiles } from './snapshot.js';

export type { RepositorySource } from './mirror.js';
export type { GitCredentials } from './credentials.js';
export type { BranchInfo, CommitInfo } from './read.js';
export type { CommitFiles } from './snapshot.js';
export { assertBranch, assertCommit } from './read.js';

export interface ResolvedCommit extends CommitInfo {
  /** The branch asked for, when one was. */
  branch?: string;
}

export interface RepositoriesOptions {
  /** `<dataDir>/repos`. */
  reposDir: string;
  /** Browsing (branches, commits) reuses a fetch younger than this; resolve fetches only when the mirror is behind. Default 10 s. */
  browseMaxAgeMs?: number;
  fetchInactivityTimeoutMs?: number;
  /** Checked before every fetch and ls-remote (DNS may have changed since the URL was saved). */
  urlPolicy?: Pick<RepositoryUrlPolicy, 'assert'>;
}

export interface BrowseOptions {
  /** May this call fetch a URL the mirror was never fetched from? Default true. */
  fetchNew?: boolean;
}

export interface ResolveOptions {
  /**
   * Also read these files at the resolved commit, with the same git process, and keep them for
   * the `readCommitFiles` call that will ask for them (the plan at claim time).
   */
  prefetch?: readonly string[];
}

/** The control plane's view of project repositories (see DESIGN "Pipeline"): all reads go through a fresh mirror. */
export interface Repositories {
  /**
   * Branch -> its head commit; commit (full or abbreviated) -> that commit; both -> the commit,
   * which must be on the branch (the agent fetches that branch to check it out).
   */
  resolve(source: RepositorySource, target: { branch?: string; commit?: string }, options?: ResolveOptions): Promise<ResolvedCommit>;
  /** `fetchNew: false`: refuse (403) when the mirror was never fetched from this URL (only maintainers make the first fetch). */
  branches(source: RepositorySource, options?: BrowseOptions): Promise<BranchInfo[]>;
  commits(source: RepositorySource, branch: string, limit?: number, options?: BrowseOptions): Promise<CommitInfo[]>;
  /**
   * The root file names at a commit and the contents of `paths` (null when absent), read by one
   * git process; fetches first only when the mirror does not have the commit yet.
   */
  readCommitFiles(source: RepositorySource, commit: string, paths: readonly string[]): Promise<CommitFiles>;
  /** A file at a commit already fetched (e.g. devflow.yml), or null when absent. */
  readFile(source: RepositorySource, commit: string, path: string): Promise<string | null>;
  listRootFiles(source: RepositorySource, commit: string): Promise<string[]>;
  /**
   * Whether `ancestor` is `descendant` or one of its ancestors, from the mirror as it is (no
   * fetch): a commit the mirror lacks cannot be an ancestor of one it has, so the answer is false.
   */
  isAncestor(projectId: string, ancestor: string, descendant: string): Promise<boolean>;
  /** Deletes a project's mirror (project deleted). */
  remove(projectId: string): Promise<void>;
}

export function createRepositories(options: RepositoriesOptions): Repositories {
  const mirrors = new MirrorStore({ reposDir: options.reposDir, fetchInactivityTimeoutMs: options.fetchInactivityTimeoutMs, urlPolicy: options.urlPolicy });
  const browseAge = options.browseMaxAgeMs ?? 10_000;
  const gitFor = async (source: RepositorySource, maxAgeMs: number, options: BrowseOptions = {}) => {
    if (options.fetchNew === false && !(await mirrors.fetchedFrom(source))) {
      throw new AppError('FORBIDDEN', "the project's repository URL was not fetched yet: a maintainer (or a deployment) fetches a new URL first", { required: ['admin', 'maintainer'] });
    }
    return openGit({ dir: await mirrors.sync(source, maxAgeMs) });
  };
  const dirOf = (source: RepositorySource) => mirrors.pathOf(source.projectId);
  const cache = new CommitFilesCache();

  /** The mirror's answer, or null when it cannot give one without a fetch (`strict`: throw what is missing instead). */
  const resolveIn = (source: RepositorySource, target: { branch?: string; commit?: string }, strict: boolean, prefetch?: readonly string[]) =>
    withReader(dirOf(source), async (reader) => {
      const resolved = await lookup(reader, source, target, strict);
      if (resolved && prefetch) {
        // Best effort: a file that cannot be read fails the deployment at planning, with its message in the log.
        const files = await readCommitFiles(reader, resolved.sha, prefetch).catch(() => null);
        if (files) cache.set(source.projectId, resolved.sha, prefetch, files);
      }
      return resolved;
    });

  const lookup = async (reader: ObjectReader, source: RepositorySource, target: { branch?: string; commit?: string }, strict: boolean): Promise<ResolvedCommit | null> => {
    const head = target.branch === undefined ? null : await readCommit(reader, `refs/heads/${target.branch}`);
    if (target.branch !== undefined && head === null) {
      if (strict) throw branchNotFound(target.branch);
      return null;
    }
    if (target.commit === undefined) return head && { ...head, branch: target.branch };
    const commit = await readCommit(reader, target.commit);
    if (commit === null) {
      if (strict) throw commitNotFound(target.commit);
      return null;
    }
    if (target.branch === undefined) return commit;
    if (!(await branchContains(openGit({ dir: dirOf(source) }), commit.sha, target.branch))) {
      if (!strict) return null; // the mirror's branch may be behind: fetch, then decide
      throw new AppError('VALIDATION_FAILED', `commit ${target.commit} is not on branch "${target.branch}"`, { field: 'commit' });
    }
    return { ...commit, branch: target.branch };
  };

  /**
   * Without a fetch when the mirror is current: an explicit commit the mirror has (on the branch
   * as last fetched), or a branch whose head `ls-remote` shows is the mirror's head already.
   */
  const resolveWithoutFetch = async (source: RepositorySource, target: { branch?: string; commit?: string }, prefetch?: readonly string[]): Promise<ResolvedCommit | null> => {
    if (!(await mirrors.has(source.projectId))) return null;
    if (target.commit !== undefined || target.branch === undefined) return resolveIn(source, target, false, prefetch);
    const branch = target.branch;
    const [remote, local] = await Promise.all([mirrors.remoteHead(source, branch), resolveIn(source, { branch }, false, prefetch)]);
    if (remote === null) throw branchNotFound(branch);
    return local?.sha === remote ? local : null;
  };

  /** Files at a commit, fetching once when the mirror does not have the commit yet. */
  const readFiles = async (source: RepositorySource, commit: string, paths: readonly string[]): Promise<CommitFiles> => {
    assertCommit(commit);
    for (const path of paths) assertRepoPath(path);
    const cached = cache.get(source.projectId, commit, paths);
    if (cached) return cached;
    const have = await mirrors.has(source.projectId);
    let files = have ? await withReader(dirOf(source), (r) => readCommitFiles(r, commit, paths)) : null;
    if (!files) {
      await mirrors.sync(source, 0);
      files = await withReader(dirOf(source), (r) => readCommitFiles(r, commit, paths));
    }
    if (!files) throw commitNotFound(commit);
    cache.set(source.projectId, commit, paths, files);
    return files;
  };

  return {
    async resolve(source, target, options = {}) {
      if (target.branch === undefined && target.commit === undefined) {
        throw new AppError('VALIDATION_FAILED', 'give a branch or a commit to deploy', { field: 'branch' });
      }
      if (target.branch !== undefined) assertBranch(target.branch);
      if (target.commit !== undefined) assertCommit(target.commit);
      for (const path of options.prefetch ?? []) assertRepoPath(path);
      const early = await resolveWithoutFetch(source, target, options.prefetch);
      if (early) return early;
      await mirrors.sync(source, 0);
      const resolved = await resolveIn(source, target, true, options.prefetch);
      if (!resolved) throw new Error('unreachable: a strict resolve throws what is missing');
      return resolved;
    },
    async branches(source, options) {
      return listBranches(await gitFor(source, browseAge, options));
    },
    async commits(source, branch, limit = 20, options) {
      assertBranch(branch);
      const bounded = Math.min(Math.max(Math.trunc(limit), 1), 200);
      return listCommits(await gitFor(source, browseAge, options), branch, bounded);
    },
    readCommitFiles: readFiles,
    async readFile(source, commit, path) {
      return (await readFiles(source, commit, [path])).files[path] ?? null;
    },
    async listRootFiles(source, commit) {
      return (await readFiles(source, commit, [])).rootFiles;
    },
    async isAncestor(projectId, ancestor, descendant) {
      assertCommit(ancestor);
      assertCommit(descendant);
      if (!(await mirrors.has(projectId))) return false;
      // Exit 1 (not an ancestor) and 128 (unknown commit) both throw: either way, not an ancestor.
      return openGit({ dir: mirrors.pathOf(projectId) })
        .raw(['merge-base', '--is-ancestor', ancestor, descendant])
        .then(() => true, () => false);
    },
    remove: async (projectId) => {
      cache.forget(projectId);
      await mirrors.remove(projectId);
    },
  };
}

function commitNotFound(commit: string): AppError {
  return new AppError('NOT_FOUND', `commit ${commit} does not exist in the repository`, { field: 'commit', commit });
}
