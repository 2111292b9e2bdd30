import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories, type Repositories, type RepositorySource } from '../repositories/index.js';
import { PipelineConfigError } from './devflow-yml.js';
import { inspectCommit } from './inspect.js';
import { planDeployment } from './plan.js';
import { nodeInput } from '../../test-support/pipeline.js';

let root: string;
let work: string;
let repos: Repositories;
let source: RepositorySource;

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.test', ...args], { cwd: work, encoding: 'utf8' }).trim();
}
async function commitFiles(files: Record<string, string>, message: string): Promise<string> {
  for (const [name, content] of Object.entries(files)) await writeFile(join(work, name), content);
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'devflow-inspect-'));
  work = join(root, 'app');
  execFileSync('git', ['init', '-q', '-b', 'main', work]);
  repos = createRepositories({ reposDir: join(root, 'repos') });
  source = { projectId: 'app', url: work };
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('inspectCommit', () => {
  it('reads lockfiles, package.json scripts and devflow.yml at the commit, and the plan follows them', async () => {
    const sha = await commitFiles(
      { 'package.json': JSON.stringify({ scripts: { start: 'node index.js' } }), 'yarn.lock': '', 'devflow.yml': 'keepReleases: 4\n' },
      'yarn app',
    );
    const facts = await inspectCommit(repos, source, sha);
    expect(facts).toEqual({ rootFiles: ['devflow.yml', 'package.json', 'yarn.lock'], packageScripts: { start: 'node index.js' }, config: { keepReleases: 4 } });
    const steps = planDeployment(nodeInput({ commit: sha, repo: facts })).servers[0]!.steps;
    expect(steps.find((s) => s.stage === 'install')!.name).toBe('yarn install --frozen-lockfile');
    expect(steps.some((s) => s.stage === 'build')).toBe(false);
    expect(steps.find((s) => s.stage === 'cleanup')!.spec).toMatchObject({ keep: 4 });
  });

  it('fails with the validation message when devflow.yml is invalid', async () => {
    const sha = await commitFiles({ 'devflow.yml': 'preset: node\nstrategy: yolo\n' }, 'bad config');
    const err = await inspectCommit(repos, source, sha).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineConfigError);
    expect((err as Error).message).toMatch(/^devflow\.yml line 2, strategy: /);
  });

  it('fails clearly when package.json is not JSON', async () => {
    const sha = await commitFiles({ 'package.json': '{ nope', 'devflow.yml': '' }, 'broken package.json');
    await expect(inspectCommit(repos, source, sha)).rejects.toThrow(/package\.json at [0-9a-f]{12} is not valid JSON/);
  });
});
