import type { CommitFiles } from './snapshot.js';

const FULL_SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * Commit files read recently (root listing + a few files), per project and full commit hash.
 * What a commit holds never changes, so an entry cannot go stale; the cache is only bounded
 * (least recently used out). It lets the claim-time inspection reuse what the deploy request
 * read alongside resolving the commit, instead of starting another git process.
 */
export class CommitFilesCache {
  private readonly entries = new Map<string, CommitFiles>();

  constructor(private readonly max = 32) {}

  get(projectId: string, commit: string, paths: readonly string[]): CommitFiles | undefined {
    if (!FULL_SHA.test(commit)) return undefined;
    const key = keyOf(projectId, commit, paths);
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(projectId: string, commit: string, paths: readonly string[], files: CommitFiles): void {
    if (!FULL_SHA.test(commit)) return;
    this.entries.set(keyOf(projectId, commit, paths), files);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(key);
    }
  }

  /** The project's mirror was removed. */
  forget(projectId: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(`${projectId}\0`)) this.entries.delete(key);
  }
}

const keyOf = (projectId: string, commit: string, paths: readonly string[]) => `${projectId}\0${commit}\0${[...paths].sort().join('\0')}`;
