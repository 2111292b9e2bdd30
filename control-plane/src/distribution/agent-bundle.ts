import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { findRepoPath } from './repo-files.js';

export interface AgentBundleFile {
  bytes: Buffer;
  sha256: string;
  version: string;
}

/**
 * The single-file agent build (agent/dist/devflow-agent.js) that install.sh downloads.
 * Read and hashed once per build (cached on mtime + size), not on every download.
 */
export class AgentBundle {
  private cached: { key: string; file: AgentBundleFile } | undefined;

  constructor(
    private readonly bundlePath = findRepoPath('agent/dist/devflow-agent.js'),
    private readonly packageJsonPath = findRepoPath('agent/package.json'),
  ) {}

  async load(): Promise<AgentBundleFile> {
    if (!this.bundlePath) throw notBuilt();
    const info = await stat(this.bundlePath).catch(() => undefined);
    if (!info) throw notBuilt();
    const key = `${info.mtimeMs}:${info.size}`;
    if (this.cached?.key === key) return this.cached.file;
    const bytes = await readFile(this.bundlePath);
    const version = this.packageJsonPath
      ? String((JSON.parse(await readFile(this.packageJsonPath, 'utf8')) as { version?: unknown }).version ?? 'unknown')
      : 'unknown';
    const file = { bytes, sha256: createHash('sha256').update(bytes).digest('hex'), version };
    this.cached = { key, file };
    return file;
  }
}

function notBuilt(): AppError {
  return new AppError('UNAVAILABLE', 'the agent bundle is not built on this control plane: run `npm run build` (agent/dist/devflow-agent.js)');
}
