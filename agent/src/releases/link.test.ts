import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readlink, readdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepSpecOf } from '@devflow/protocol';
import { appPaths } from '../paths.js';
import { StepFailedError } from '../steps/handler.js';
import { releaseActivate } from './activate.js';
import { releaseLink } from './link.js';
import { makeContext, makeRelease, TempDirs } from '../../test-fixtures/releases.js';

const APP = 'blog-staging';
const temp = new TempDirs();
let dataDir: string;

const spec = (over: Partial<StepSpecOf<'release.link'>>): StepSpecOf<'release.link'> => ({
  kind: 'release.link',
  app: APP,
  releaseId: 'r1',
  sharedPaths: [],
  reuse: [],
  timeoutMs: 60_000,
  ...over,
});
const activate = (releaseId: string) =>
  releaseActivate({ kind: 'release.activate', app: APP, releaseId, timeoutMs: 10_000 }, makeContext(dataDir).ctx);

beforeEach(async () => {
  dataDir = await temp.make();
});
afterEach(() => temp.cleanup());

describe('releaseLink: shared paths and env file', () => {
  it('seeds shared/ from the first release, links every path, creates missing ones', async () => {
    const r1 = await makeRelease(dataDir, APP, 'r1', { 'storage/logs/app.log': 'log1', 'public/uploads/a.png': 'png' });
    const outcome = await releaseLink(
      spec({ sharedPaths: ['storage/', 'public/uploads', 'cache/', 'data.db', 'uploads', 'config/.secrets'] }),
      makeContext(dataDir).ctx,
    );

    const shared = appPaths(dataDir, APP).shared;
    expect(outcome.output).toEqual({ reused: [] });
    expect(await readFile(join(shared, 'storage/logs/app.log'), 'utf8')).toBe('log1');
    expect(await readFile(join(shared, 'public/uploads/a.png'), 'utf8')).toBe('png');
    expect((await stat(join(shared, 'cache'))).isDirectory()).toBe(true);
    expect((await stat(join(shared, 'data.db'))).isFile()).toBe(true);
    // Without an extension a missing path is a directory: apps write files into `uploads`.
    expect((await stat(join(shared, 'uploads'))).isDirectory()).toBe(true);
    expect((await stat(join(shared, 'config/.secrets'))).isFile()).toBe(true);
    expect(await readlink(join(r1, 'storage'))).toBe('../../shared/storage');
    expect(await readlink(join(r1, 'public/uploads'))).toBe('../../../shared/public/uploads');
    expect(await readFile(join(r1, 'storage/logs/app.log'), 'utf8')).toBe('log1');
  });

  it("keeps the shared data and drops the next release's own copy", async () => {
    await makeRelease(dataDir, APP, 'r1', { 'storage/state.json': 'persisted' });
    await releaseLink(spec({ sharedPaths: ['storage/'] }), makeContext(dataDir).ctx);
    const r2 = await makeRelease(dataDir, APP, 'r2', { 'storage/state.json': 'from the repo' });

    const { ctx, lines } = makeContext(dataDir);
    await releaseLink(spec({ releaseId: 'r2', sharedPaths: ['storage/'] }), ctx);

    expect((await lstat(join(r2, 'storage'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(r2, 'storage/state.json'), 'utf8')).toBe('persisted');
    expect(lines.map((l) => l.text)).toContain("shared storage: replaced the release's copy with the shared one");
  });

  it('writes the env file 0600 in shared/, links it, and never logs its values', async () => {
    const r1 = await makeRelease(dataDir, APP, 'r1', { '.env': 'COMMITTED=oops' });
    const content = 'APP_KEY=s3cr3t-value\nDB_HOST=127.0.0.1\n';
    const { ctx, lines } = makeContext(dataDir);
    await releaseLink(spec({ envFile: { name: '.env', content } }), ctx);

    const sharedEnv = join(appPaths(dataDir, APP).shared, '.env');
    expect((await stat(sharedEnv)).mode & 0o777).toBe(0o600);
    expect(await readFile(join(r1, '.env'), 'utf8')).toBe(content);
    expect(await readlink(join(r1, '.env'))).toBe('../../shared/.env');
    expect(lines.some((l) => l.text.includes('s3cr3t'))).toBe(false);
    expect(lines.map((l) => l.text)).toContain('env file .env: wrote 2 variable(s) to shared/.env (mode 0600)');

    await releaseLink(spec({ envFile: { name: '.env', content: 'APP_KEY=rotated\n' } }), makeContext(dataDir).ctx);
    expect(await readFile(join(r1, '.env'), 'utf8')).toBe('APP_KEY=rotated\n');
    expect((await readdir(appPaths(dataDir, APP).shared)).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('refuses paths that escape the release, including through a symlink in the checkout', async () => {
    const outside = await temp.make('devflow-outside-');
    const r1 = await makeRelease(dataDir, APP, 'r1');
    await symlink(outside, join(r1, 'storage'));
    const attempts = [
      spec({ sharedPaths: ['../../outside'] }),
      spec({ sharedPaths: ['/etc/passwd'] }),
      spec({ sharedPaths: ['.'] }),
      spec({ sharedPaths: ['storage/logs/'] }),
      spec({ envFile: { name: '..', content: 'X=1' } }),
      spec({ releaseId: '../r1' }),
    ];
    for (const attempt of attempts) {
      const error = await releaseLink(attempt, makeContext(dataDir).ctx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StepFailedError);
      expect(String(error)).toMatch(/refused: .*(not a path inside|goes through the symlink|not a valid release id)/);
    }
    expect(await readdir(outside)).toEqual([]);
  });

  it('fails clearly when the release does not exist', async () => {
    await expect(releaseLink(spec({ releaseId: 'nope' }), makeContext(dataDir).ctx)).rejects.toThrow(
      /release nope of blog-staging does not exist; run git.sync/,
    );
  });
});

describe('releaseLink: dependency reuse', () => {
  const reuse = [{ path: 'node_modules', lockfile: 'package-lock.json' }];

  it('hardlinks node_modules from the live release when the lockfile is unchanged', async () => {
    const r1 = await makeRelease(dataDir, APP, 'r1', { 'package-lock.json': '{"v":1}', 'node_modules/left-pad/index.js': 'pad' });
    await mkdir(join(r1, 'node_modules/.bin'));
    await symlink('../left-pad/index.js', join(r1, 'node_modules/.bin/left-pad'));
    await activate('r1');
    const r2 = await makeRelease(dataDir, APP, 'r2', { 'package-lock.json': '{"v":1}' });

    const outcome = await releaseLink(spec({ releaseId: 'r2', reuse }), makeContext(dataDir).ctx);

    expect(outcome.output).toEqual({ reused: ['node_modules'] });
    const [a, b] = await Promise.all([stat(join(r1, 'node_modules/left-pad/index.js')), stat(join(r2, 'node_modules/left-pad/index.js'))]);
    expect(b.ino).toBe(a.ino);
    expect(await readlink(join(r2, 'node_modules/.bin/left-pad'))).toBe('../left-pad/index.js');
  });

  it('does not reuse when the lockfile changed, or when nothing is live', async () => {
    await makeRelease(dataDir, APP, 'r1', { 'package-lock.json': '{"v":1}', 'node_modules/x/i.js': 'x' });
    const first = await releaseLink(spec({ reuse }), makeContext(dataDir).ctx);
    expect(first.output).toEqual({ reused: [] });

    await activate('r1');
    const r2 = await makeRelease(dataDir, APP, 'r2', { 'package-lock.json': '{"v":2}' });
    const { ctx, lines } = makeContext(dataDir);
    const outcome = await releaseLink(spec({ releaseId: 'r2', reuse }), ctx);

    expect(outcome.output).toEqual({ reused: [] });
    expect(existsSync(join(r2, 'node_modules'))).toBe(false);
    expect(lines.map((l) => l.text)).toContain('reuse node_modules: not reused, package-lock.json changed');
  });
});
