import { AppError } from '../errors.js';
import type { Repositories, RepositorySource } from '../repositories/index.js';
import { DEVFLOW_YML, parseDevflowYml } from './devflow-yml.js';
import type { RepoFacts } from './presets.js';
import type { DevflowConfig } from './settings.js';

export interface CommitInspection extends RepoFacts {
  config: DevflowConfig | null;
}

/** The files inspectCommit reads (a deploy request prefetches them while resolving the commit). */
export const INSPECTED_FILES: readonly string[] = ['package.json', DEVFLOW_YML];

/**
 * What the planner needs from the repository at a commit: root files (lockfiles), package.json
 * scripts, and devflow.yml parsed and validated (PipelineConfigError when it is not valid).
 */
export async function inspectCommit(repos: Pick<Repositories, 'readCommitFiles'>, source: RepositorySource, commit: string): Promise<CommitInspection> {
  // One read of the mirror (one git process) for the listing and both files.
  const { rootFiles, files } = await repos.readCommitFiles(source, commit, INSPECTED_FILES);
  const pkg = files['package.json'] ?? null;
  const packageScripts = rootFiles.includes('package.json') ? scriptsOf(pkg ?? '{}', commit) : null;
  const yml = files[DEVFLOW_YML] ?? null;
  return { rootFiles, packageScripts, config: yml === null ? null : parseDevflowYml(yml) };
}

function scriptsOf(text: string, commit: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AppError('VALIDATION_FAILED', `package.json at ${commit.slice(0, 12)} is not valid JSON: ${(err as Error).message}`, { field: 'package.json' }, { cause: err });
  }
  const scripts = (json as { scripts?: unknown } | null)?.scripts;
  if (typeof scripts !== 'object' || scripts === null) return {};
  return Object.fromEntries(Object.entries(scripts).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
