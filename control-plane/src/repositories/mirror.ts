import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { sha256 } from '../crypto/random.js';
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
  /** Refuses URLs reaching internal addresses or local paths (url-policy.ts). */
  urlPolicy?: Pick<RepositoryUrlPolicy, 'assert'> | undefined;
}

import type { RepositoryUrlPolicy } from './url-policy.js';

/** In the bare mirror: SHA-256 of the URL it was last fetched from. */
const SOURCE_FILE = 'devflow-source';

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

  /**
   * Whether the mirror was last fetched from exactly this URL (kept as its SHA-256 in the mirror,
   * never in clear): refreshing a known URL is browsing, fetching a new one is not.
   */
  async fetchedFrom(source: RepositorySource): Promise<boolean> {
    try {
      return (await readFile(join(this.pathOf(source.projectId), SOURCE_FILE), 'utf8')).trim() === sha256(source.url);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Whether the mirror exists yet (nothing to read before the first fetch). */
  async has(projectId: string): Promise<boolean> {
    return exists(join(this.pathOf(projectId), 'HEAD'));
  }

  /**
   * The branch head as the repository has it now (`git ls-remote`, one round trip, no objects),
   * or null when there is no such branch. Lets a deploy skip the fetch when the mirror is current.
   * Runs inside the mirror (which must exist), so no other repository's config applies.
   */
  async remoteHead(source: RepositorySource, branch: string): Promise<string | null> {
    assertSafeUrl(source.url);
    await this.options.urlPolicy?.assert(source.url);
    const ref = `refs/heads/${branch}`;
    const creds = await prepareCredentials(source.credentials);
    try {
      const git = openGit({ dir: this.pathOf(source.projectId), env: creds.env, inactivityTimeoutMs: this.options.fetchInactivityTimeoutMs ?? 120_000 });
      const out = await git.raw(['ls-remote', '--end-of-options', source.url, ref]);
      // A pattern matches ref name tails (refs/x/refs/heads/main too): take the exact name only.
      const line = out.split('\n').find((l) => l.endsWith(`\t${ref}`));
      const sha = line?.split('\t')[0] ?? '';
      return /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
    } catch (err) {
      throw repositoryUnavailable(source.url, err, creds.secrets);
    } finally {
      await creds.dispose();
    }
  }

  private async fetch(source: RepositorySource, dir: string): Promise<void> {
    assertSafeUrl(source.url);
    await this.options.urlPolicy?.assert(source.url);
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
      await writeFile(join(dir, SOURCE_FILE), `${sha256(source.url)}\n`, { mode: 0o600 });
    } catch (err) {
      throw repositoryUnavailable(source.url, err, creds.secrets);
    } finally {
      await creds.dispose();
    }
  }
}

function assertSafeUrl(url: string): void {
  if (!isSafeRepositoryUrl(url)) {
    throw new AppError('VALIDATION_FAILED', `repository URL "${url}" is not allowed (use https://, ssh://, git://, file://, user@host:path or an absolute path)`, { field: 'repositoryUrl' });
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
