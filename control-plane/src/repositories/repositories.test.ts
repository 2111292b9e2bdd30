import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createRepositories, type Repositories, type RepositorySource } from './index.js';

let root: string;
let upstream: string;
let repos: Repositories;
let source: RepositorySource;
const shas: Record<string, string> = {};

function git(args: string[], cwd = upstream): string {
  return execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.test', ...args], { cwd, encoding: 'utf8' }).trim();
}

async function commit(file: string, content: string, message: string): Promise<string> {
  await writeFile(join(upstream, file), content);
  git(['add', '--', file]);
  git(['commit', '-q', '-m', message]);
  return git(['rev-parse', 'HEAD']);
}

async function rejects(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'devflow-repos-'));
  upstream = join(root, 'upstream');
  git(['init', '-q', '-b', 'main', upstream], root);
  shas.first = await commit('package.json', '{"name":"app"}\n', 'first commit');
  await writeFile(join(upstream, 'package-lock.json'), '{}\n');
  shas.second = await commit('devflow.yml', 'preset: node\n', 'add devflow.yml');
  git(['checkout', '-q', '-b', 'feature/x']);
  shas.feature = await commit('feature.txt', 'x\n', 'feature work');
  git(['checkout', '-q', 'main']);
  repos = createRepositories({ reposDir: join(root, 'repos') });
  source = { projectId: 'p1', url: upstream };
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('repositories', () => {
  it('resolves a branch to its head commit with message and author', async () => {
    const c = await repos.resolve(source, { branch: 'main' });
    expect(c).toMatchObject({ sha: shas.second, message: 'add devflow.yml', author: 'Ada <ada@example.test>', branch: 'main' });
    expect(Date.parse(c.committedAt)).not.toBeNaN();
    expect(existsSync(join(root, 'repos', 'p1.git', 'HEAD'))).toBe(true);
  });

  it('resolves an abbreviated commit to the full hash, and checks it is on the branch', async () => {
    expect((await repos.resolve(source, { commit: shas.first!.slice(0, 8) })).sha).toBe(shas.first);
    expect((await repos.resolve(source, { branch: 'main', commit: shas.first! })).sha).toBe(shas.first);
    const err = await rejects(repos.resolve(source, { branch: 'main', commit: shas.feature! }));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toContain('is not on branch "main"');
  });

  it('sees new commits pushed upstream (incremental fetch)', async () => {
    const third = await commit('index.js', 'console.log(1)\n', 'third');
    expect((await repos.resolve(source, { branch: 'main' })).sha).toBe(third);
    shas.third = third;
  });

  it('answers unknown branches and commits with 404s naming them', async () => {
    const b = await rejects(repos.resolve(source, { branch: 'nope' }));
    expect([b.code, b.message]).toEqual(['NOT_FOUND', 'branch "nope" does not exist in the repository']);
    const c = await rejects(repos.resolve(source, { commit: 'deadbeefdeadbeef' }));
    expect(c.code).toBe('NOT_FOUND');
    expect(c.message).toContain('deadbeefdeadbeef');
  });

  it.each(['; rm -rf /', '--upload-pack=touch /tmp/pwned', '../x', '-x', 'a..b', 'x y', 'refs/heads/@{1}'])(
    'refuses the bad branch %j before running git',
    async (branch) => {
      const err = await rejects(repos.resolve(source, { branch }));
      expect(err.code).toBe('VALIDATION_FAILED');
      expect(err.details).toEqual({ field: 'branch' });
      await expect(repos.commits(source, branch)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    },
  );

  it.each(['HEAD', '--all', 'abc', 'ABCDEF12', 'deadbeef; ls', `${'a'.repeat(41)}`])('refuses the bad commit %j', async (commit) => {
    const err = await rejects(repos.resolve(source, { commit }));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual({ field: 'commit' });
  });

  it('refuses dangerous repository URLs without running git', async () => {
    const marker = join(root, 'pwned');
    const bad: RepositorySource = { projectId: 'p2', url: `ext::sh -c touch% ${marker}` };
    const err = await rejects(repos.resolve(bad, { branch: 'main' }));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(existsSync(marker)).toBe(false);
  });

  it('reports an unreachable repository as UNAVAILABLE without leaking the password', async () => {
    const bad: RepositorySource = { projectId: 'p3', url: join(root, 'missing') };
    const err = await rejects(repos.resolve(bad, { branch: 'main' }));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('could not fetch repository');
    const withPassword: RepositorySource = { projectId: 'p4', url: 'http://user:s3cret@127.0.0.1:1/x.git' };
    const e2 = await rejects(repos.resolve(withPassword, { branch: 'main' }));
    expect(e2.message).not.toContain('s3cret');
  });

  it('lists branches, newest first, and recent commits of a branch', async () => {
    const branches = await repos.branches(source);
    expect(branches.map((b) => b.name).sort()).toEqual(['feature/x', 'main']);
    expect(branches.find((b) => b.name === 'main')?.sha).toBe(shas.third);
    const commits = await repos.commits(source, 'main', 2);
    expect(commits.map((c) => c.message)).toEqual(['third', 'add devflow.yml']);
    await expect(repos.commits(source, 'gone')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads a file and lists root files at a commit', async () => {
    expect(await repos.readFile(source, shas.second!, 'devflow.yml')).toBe('preset: node\n');
    expect(await repos.readFile(source, shas.first!, 'devflow.yml')).toBeNull();
    expect(await repos.listRootFiles(source, shas.first!)).toEqual(['package.json']);
    expect(await repos.listRootFiles(source, shas.second!)).toEqual(['devflow.yml', 'package.json']);
    await expect(repos.readFile(source, shas.second!, '../etc/passwd')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(repos.readFile(source, shas.second!, '--output=/tmp/x')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('fetches on demand when asked to read a commit the mirror does not have yet', async () => {
    const fourth = await commit('later.txt', 'later\n', 'fourth');
    shas.fourth = fourth;
    expect(await repos.readFile(source, fourth, 'later.txt')).toBe('later\n');
  });

  it('shares one fetch between concurrent resolves', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => repos.resolve(source, { branch: 'main' })));
    expect(new Set(results.map((r) => r.sha)).size).toBe(1);
  });

  it('skips the fetch when ls-remote shows the branch head is already in the mirror', async () => {
    await repos.resolve(source, { branch: 'main' });
    git(['tag', 'marker-1']);
    const tagInMirror = (name: string) => git(['tag', '--list', name], join(root, 'repos', 'p1.git')) === name;
    expect((await repos.resolve(source, { branch: 'main' })).sha).toBe(shas.fourth ?? git(['rev-parse', 'main']));
    expect(tagInMirror('marker-1')).toBe(false); // no fetch happened: tags only arrive with one
    const fifth = await commit('fifth.txt', '5\n', 'fifth');
    expect((await repos.resolve(source, { branch: 'main' })).sha).toBe(fifth);
    expect(tagInMirror('marker-1')).toBe(true);
  });

  it('resolves a commit the mirror has without contacting the repository; a branch needs it', async () => {
    const moved = `${upstream}-away`;
    const head = git(['rev-parse', 'main']);
    await repos.resolve(source, { branch: 'main' });
    execFileSync('mv', [upstream, moved]);
    try {
      expect((await repos.resolve(source, { commit: head.slice(0, 10) })).sha).toBe(head);
      expect(await repos.resolve(source, { branch: 'main', commit: shas.first! })).toMatchObject({ sha: shas.first, branch: 'main', message: 'first commit' });
      expect((await repos.readCommitFiles(source, shas.second!, ['devflow.yml'])).files).toEqual({ 'devflow.yml': 'preset: node\n' });
      expect((await rejects(repos.resolve(source, { branch: 'main' }))).code).toBe('UNAVAILABLE');
      expect((await rejects(repos.resolve(source, { commit: 'abcdef0123456' }))).code).toBe('UNAVAILABLE'); // unknown: must fetch
    } finally {
      execFileSync('mv', [moved, upstream]);
    }
  });

  it('answers a branch deleted upstream as not found, though the mirror still has it', async () => {
    git(['branch', 'short-lived']);
    expect((await repos.resolve(source, { branch: 'short-lived' })).branch).toBe('short-lived');
    git(['branch', '-D', 'short-lived']);
    expect((await rejects(repos.resolve(source, { branch: 'short-lived' }))).code).toBe('NOT_FOUND');
  });

  it('prefetches files while resolving, and answers them later without git', async () => {
    const head = await repos.resolve(source, { branch: 'main' }, { prefetch: ['package.json', 'devflow.yml'] });
    const moved = `${upstream}-away`;
    await rm(join(root, 'repos', 'p1.git'), { recursive: true, force: true });
    execFileSync('mv', [upstream, moved]);
    try {
      // Neither the mirror nor the repository exists now: only the prefetched answer can be given.
      expect(await repos.readCommitFiles(source, head.sha, ['devflow.yml', 'package.json'])).toEqual({
        rootFiles: expect.arrayContaining(['devflow.yml', 'package.json']),
        files: { 'devflow.yml': 'preset: node\n', 'package.json': '{"name":"app"}\n' },
      });
      expect((await rejects(repos.readCommitFiles(source, head.sha, ['index.js']))).code).toBe('UNAVAILABLE');
      await expect(repos.resolve(source, { branch: 'main' }, { prefetch: ['../x'] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    } finally {
      execFileSync('mv', [moved, upstream]);
    }
  });

  it('removes a mirror', async () => {
    await repos.remove('p1');
    expect(existsSync(join(root, 'repos', 'p1.git'))).toBe(false);
  });
});
