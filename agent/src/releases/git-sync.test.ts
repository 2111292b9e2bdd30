import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepSpecOf } from '@devflow/protocol';
import { appPaths } from '../paths.js';
import { StepFailedError } from '../steps/handler.js';
import { gitSync } from './git-sync.js';
import { readReleaseMeta } from './meta.js';
import { makeContext, TempDirs, TestRepo } from '../../test-fixtures/releases.js';

const APP = 'shop-prod';
const temp = new TempDirs();
let dataDir: string;
let repo: TestRepo;

const spec = (over: Partial<StepSpecOf<'git.sync'>>): StepSpecOf<'git.sync'> => ({
  kind: 'git.sync',
  app: APP,
  releaseId: 'r1',
  repoUrl: repo.dir,
  ref: 'main',
  timeoutMs: 60_000,
  ...over,
});

beforeEach(async () => {
  dataDir = await temp.make();
  repo = await TestRepo.create(join(await temp.make(), 'src'));
});
afterEach(() => temp.cleanup());

describe('gitSync', () => {
  it('creates the mirror on first use and checks out the head of the ref', async () => {
    const sha = await repo.commit('first release', { 'index.js': 'v1', 'lib/util.js': 'u' });
    const { ctx, lines } = makeContext(dataDir);
    const outcome = await gitSync(spec({}), ctx);

    const release = appPaths(dataDir, APP).release('r1');
    expect(outcome.output).toEqual({
      commit: sha,
      message: 'first release',
      author: 'Dev Eloper <dev@example.test>',
      committedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/),
    });
    expect(await readFile(join(release, 'index.js'), 'utf8')).toBe('v1');
    expect(await readFile(join(release, 'lib/util.js'), 'utf8')).toBe('u');
    expect(existsSync(join(release, '.git'))).toBe(false);
    expect(existsSync(join(appPaths(dataDir, APP).repo, 'HEAD'))).toBe(true);
    expect(await readReleaseMeta(dataDir, APP, 'r1')).toMatchObject({ commit: sha, ref: 'main', message: 'first release' });
    expect(lines.map((l) => l.text).join('\n')).toMatch(/created mirror[\s\S]*fetching main/);
  });

  it('stamps every checked-out file a whole second before the checkout began, so caches built after it look newer', async () => {
    await repo.commit('views', { 'resources/views/home.blade.php': '<p>hi</p>', 'index.js': 'v1' });
    const before = Math.floor(Date.now() / 1000);
    await gitSync(spec({}), makeContext(dataDir).ctx);
    const release = appPaths(dataDir, APP).release('r1');
    for (const path of ['resources/views/home.blade.php', 'index.js', 'resources/views', '.']) {
      // Blade's staleness test is `filemtime(view) >= filemtime(compiled)` at one-second resolution.
      expect((await lstat(join(release, path))).mtimeMs / 1000, path).toBeLessThan(before);
    }
  });

  it('stamps a symlink of the checkout itself, never the file it points to', async () => {
    const outside = join(await temp.make(), 'target.txt');
    execFileSync('sh', ['-c', `echo x > '${outside}'`]);
    const outsideMtime = (await lstat(outside)).mtimeMs;
    await symlink(outside, join(repo.dir, 'link.txt'));
    await repo.commit('symlink', { 'index.js': 'v1' });
    await gitSync(spec({}), makeContext(dataDir).ctx);
    expect((await lstat(join(appPaths(dataDir, APP).release('r1'), 'link.txt'))).isSymbolicLink()).toBe(true);
    expect((await lstat(outside)).mtimeMs).toBe(outsideMtime);
  });

  it('fetches only what is new on the second sync and checks out the new head', async () => {
    const first = await repo.commit('one', { 'index.js': 'v1' });
    await gitSync(spec({}), makeContext(dataDir).ctx);
    const second = await repo.commit('two', { 'index.js': 'v2' });

    const { ctx, lines } = makeContext(dataDir);
    const outcome = await gitSync(spec({ releaseId: 'r2' }), ctx);

    expect(outcome.output).toMatchObject({ commit: second, message: 'two' });
    expect(await readFile(join(appPaths(dataDir, APP).release('r2'), 'index.js'), 'utf8')).toBe('v2');
    const log = lines.map((l) => l.text).join('\n');
    expect(log).not.toContain('created mirror');
    // git reports a fast-forward of the ref it already had: the fetch negotiated from the old tip.
    expect(log).toContain(`${first.slice(0, 7)}..${second.slice(0, 7)}`);
  });

  it('checks out an explicit older commit without fetching when the mirror has it', async () => {
    const first = await repo.commit('one', { 'index.js': 'v1' });
    await repo.commit('two', { 'index.js': 'v2' });
    await gitSync(spec({}), makeContext(dataDir).ctx);

    const { ctx, lines } = makeContext(dataDir);
    const outcome = await gitSync(spec({ releaseId: 'r-old', commit: first.slice(0, 10) }), ctx);

    expect(outcome.output).toMatchObject({ commit: first, message: 'one' });
    expect(await readFile(join(appPaths(dataDir, APP).release('r-old'), 'index.js'), 'utf8')).toBe('v1');
    expect(lines.some((l) => l.text.startsWith('fetching'))).toBe(false);
  });

  it('checks out the head commit again without fetching (a redeploy or a second server)', async () => {
    const head = await repo.commit('one', { 'index.js': 'v1' });
    await gitSync(spec({}), makeContext(dataDir).ctx);

    const { ctx, lines } = makeContext(dataDir);
    const outcome = await gitSync(spec({ releaseId: 'r2', commit: head }), ctx);

    expect(outcome.output).toMatchObject({ commit: head, message: 'one' });
    expect(await readFile(join(appPaths(dataDir, APP).release('r2'), 'index.js'), 'utf8')).toBe('v1');
    expect(lines.map((l) => l.text)).toEqual([expect.stringContaining('was already in the mirror on main (no fetch)')]);
  });

  it('refuses a commit found earlier once the ref was force-pushed away from it', async () => {
    const first = await repo.commit('one', { 'index.js': 'v1' });
    await gitSync(spec({ commit: first }), makeContext(dataDir).ctx);
    await gitSync(spec({ releaseId: 'r2', commit: first }), makeContext(dataDir).ctx);
    repo.git('checkout', '--quiet', '--orphan', 'rewritten');
    const other = await repo.commit('rewritten history', { 'index.js': 'v9' });
    repo.git('branch', '--quiet', '--force', 'main', other);
    await gitSync(spec({ releaseId: 'r3' }), makeContext(dataDir).ctx);

    const error = await gitSync(spec({ releaseId: 'r4', commit: first }), makeContext(dataDir).ctx).catch((e: unknown) => e);
    expect(String(error)).toContain(`commit ${first} exists but is not on main`);
  });

  it('fetches when an explicit commit is newer than the mirror', async () => {
    await repo.commit('one', { 'index.js': 'v1' });
    await gitSync(spec({}), makeContext(dataDir).ctx);
    const second = await repo.commit('two', { 'index.js': 'v2' });
    const { ctx, lines } = makeContext(dataDir);
    const outcome = await gitSync(spec({ releaseId: 'r2', commit: second }), ctx);
    expect(outcome.output).toMatchObject({ commit: second });
    expect(await readFile(join(appPaths(dataDir, APP).release('r2'), 'index.js'), 'utf8')).toBe('v2');
    // The speculative checkout of the unknown commit failed quietly before the fetch.
    expect(lines.filter((l) => /fatal|error/i.test(l.text))).toEqual([]);
  });

  it('fails clearly for a commit that does not exist, and leaves no release behind', async () => {
    await repo.commit('one', { 'index.js': 'v1' });
    await gitSync(spec({}), makeContext(dataDir).ctx);
    const missing = 'deadbeef'.repeat(5);
    await expect(gitSync(spec({ releaseId: 'r2', commit: missing }), makeContext(dataDir).ctx)).rejects.toThrow(
      new RegExp(`commit ${missing} does not exist on main of .*its head is`),
    );
    expect(existsSync(appPaths(dataDir, APP).release('r2'))).toBe(false);
  });

  it('refuses a commit that exists only on another branch', async () => {
    await repo.commit('one', { 'index.js': 'v1' });
    repo.git('checkout', '--quiet', '-b', 'feature');
    const feature = await repo.commit('feature work', { 'index.js': 'f' });
    await gitSync(spec({ ref: 'feature' }), makeContext(dataDir).ctx);

    await expect(gitSync(spec({ releaseId: 'r2', commit: feature }), makeContext(dataDir).ctx)).rejects.toThrow(
      /exists but is not on main/,
    );
    // It was checked out speculatively (full sha, already in the mirror) and must be gone again.
    expect(existsSync(appPaths(dataDir, APP).release('r2'))).toBe(false);
  });

  it('fails clearly for a branch that does not exist', async () => {
    await repo.commit('one', { 'index.js': 'v1' });
    await expect(gitSync(spec({ ref: 'nope' }), makeContext(dataDir).ctx)).rejects.toThrow(
      /could not fetch nope from .*couldn't find remote ref nope/,
    );
  });

  it('syncs a tag as well as a branch', async () => {
    const sha = await repo.commit('tagged', { 'index.js': 't' });
    repo.git('tag', '-a', 'v1.0.0', '-m', 'release 1');
    await repo.commit('after', { 'index.js': 'later' });
    const outcome = await gitSync(spec({ ref: 'v1.0.0' }), makeContext(dataDir).ctx);
    expect(outcome.output).toMatchObject({ commit: sha });
  });

  it('refuses option-like refs, commits and URLs even when the schema was bypassed', async () => {
    await repo.commit('one', { 'index.js': 'v1' });
    const marker = join(dataDir, 'pwned');
    const attempts = [
      spec({ ref: `--upload-pack=touch ${marker}` }),
      spec({ ref: '-b' }),
      spec({ commit: '--output=/tmp/x' }),
      spec({ repoUrl: `--upload-pack=touch ${marker}` }),
      spec({ repoUrl: `ext::sh -c touch% ${marker}` }),
      spec({ releaseId: '../escape' }),
    ];
    for (const attempt of attempts) {
      await expect(gitSync(attempt, makeContext(dataDir).ctx)).rejects.toBeInstanceOf(StepFailedError);
    }
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(appPaths(dataDir, APP).repo)).toBe(false);
  });

  it('replaces a leftover release dir from an interrupted attempt', async () => {
    await repo.commit('one', { 'index.js': 'v1' });
    await gitSync(spec({}), makeContext(dataDir).ctx);
    await repo.commit('two', { 'index.js': 'v2', 'extra.js': 'x' });
    execFileSync('touch', [join(appPaths(dataDir, APP).release('r1'), 'stale-file')]);
    await gitSync(spec({}), makeContext(dataDir).ctx);
    const release = appPaths(dataDir, APP).release('r1');
    expect(existsSync(join(release, 'stale-file'))).toBe(false);
    expect(await readFile(join(release, 'index.js'), 'utf8')).toBe('v2');
  });

  it('stops a fetch of a large repository when aborted, kills git, and the mirror still works after', async () => {
    // Incompressible content, so upload-pack/index-pack take long enough to be interrupted.
    const big: Record<string, Uint8Array> = {};
    for (let i = 0; i < 2; i++) big[`blob-${i}.bin`] = randomBytes(8 * 1024 * 1024);
    await repo.commit('large', big);

    const { ctx, controller } = makeContext(dataDir);
    const started = new Promise<void>((resolve) => {
      ctx.log = (_stream, text) => {
        if (text.startsWith('fetching')) setTimeout(resolve, 30);
      };
    });
    const sync = gitSync(spec({}), ctx).then(
      () => new Error('sync finished before it was aborted'),
      (error: unknown) => error,
    );
    await Promise.race([started, sync]);
    controller.abort();
    expect(await sync).toBeInstanceOf(StepFailedError);
    expect(String(await sync)).toMatch(/cancelled/);
    expect(existsSync(appPaths(dataDir, APP).release('r1'))).toBe(false);
    // The fetch really was cut short: the ref it would have written at the end is not there.
    expect(existsSync(join(appPaths(dataDir, APP).repo, 'refs/devflow/main'))).toBe(false);
    expect(gitProcessesUsing(dataDir)).toEqual([]);

    const outcome = await gitSync(spec({}), makeContext(dataDir).ctx);
    expect(outcome.output).toMatchObject({ message: 'large' });
  });
});

function gitProcessesUsing(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' });
  // Zombies (Z) are already dead and only waiting to be reaped by their parent.
  return ps.split('\n').filter((line) => line.includes(dir) && !line.trimStart().startsWith('Z'));
}
