import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isSafeRepositoryUrl } from '@devflow/protocol';
import { AppError } from '../errors.js';
import { prepareCredentials, type GitCredentials } from './credentials.js';
import { openGit, repositoryUnavailable } from './git.js';

/** What the mirror needs to know about a project's repository. */
export interface RepositorySource {
  projectId: string;
  url: string;
  credentials?: GitCredentials;
}

export interface MirrorOptions {
  /** Where mirrors live: `<reposDir>/<projectId>.git`. */
  reposDir: string;
  fetchInactivityTimeoutMs?: number;
}

const PROJECT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * The control plane's own bare mirror per project, fetched incrementally. Branches and tags
 * are fetched with explicit refspecs from the URL given on each call, so a changed project URL
 * takes effect at the next fetch and no remote config is kept. Concurrent syncs of one
 * project share a single fetch (two fetches into one repository fight over ref locks).
 */
export class MirrorStore {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly fetchedAt = new Map<string, number>();

  constructor(private readonly options: MirrorOptions) {}

  pathOf(projectId: string): string {
    if (!PROJECT_ID.test(projectId)) throw new AppError('VALIDATION_FAILED', `invalid project id "${projectId}"`, { field: 'projectId' });
    return join(this.options.reposDir, `${projectId}.git`);
  }

  /** Fetches unless the last fetch finished less than `maxAgeMs` ago (0 = always fetch). */
  async sync(source: RepositorySource, maxAgeMs = 0): Promise<string> {
    const dir = this.pathOf(source.projectId);
    const last = this.fetchedAt.get(source.projectId);
    if (maxAgeMs > 0 && last !== undefined && Date.now() - last < maxAgeMs) return dir;
    let running = this.inFlight.get(source.projectId);
    if (!running) {
      running = this.fetch(source, dir).finally(() => this.inFlight.delete(source.projectId));
      this.inFlight.set(source.projectId, running);
    }
    await running;
    return dir;
  }

  async remove(projectId: string): Promise<void> {
    this.fetchedAt.delete(projectId);
    await rm(this.pathOf(projectId), { recursive: true, force: true });
  }

  private async fetch(source: RepositorySource, dir: string): Promise<void> {
    if (!isSafeRepositoryUrl(source.url)) {
      throw new AppError('VALIDATION_FAILED', `repository URL "${source.url}" is not allowed (use https://, ssh://, git://, file://, user@host:path or an absolute path)`, { field: 'repositoryUrl' });
    }
    if (!(await exists(join(dir, 'HEAD')))) {
      await mkdir(dir, { recursive: true });
      await openGit({ dir }).raw(['init', '--quiet', '--bare']);
    }
    const creds = await prepareCredentials(source.credentials);
    try {
      const git = openGit({ dir, env: creds.env, inactivityTimeoutMs: this.options.fetchInactivityTimeoutMs ?? 120_000 });
      await git.raw([
        'fetch',
        '--quiet',
        '--prune',
        '--no-recurse-submodules',
        '--end-of-options',
        source.url,
        '+refs/heads/*:refs/heads/*',
        '+refs/tags/*:refs/tags/*',
      ]);
      this.fetchedAt.set(source.projectId, Date.now());
    } catch (err) {
      throw repositoryUnavailable(source.url, err, creds.secrets);
    } finally {
      await creds.dispose();
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
