import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepSpecOf } from '@devflow/protocol';
import { appPaths } from '../paths.js';
import { releaseActivate } from './activate.js';
import { listReleases } from './list.js';
import { releasePrune } from './prune.js';
import { makeContext, makeRelease, TempDirs } from '../../test-fixtures/releases.js';

const APP = 'shop-prod';
const temp = new TempDirs();
let dataDir: string;

const prune = (over: Partial<StepSpecOf<'release.prune'>>) =>
  releasePrune({ kind: 'release.prune', app: APP, keep: 2, protect: [], timeoutMs: 60_000, ...over }, makeContext(dataDir).ctx);
const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 12, minute));

beforeEach(async () => {
  dataDir = await temp.make();
});
afterEach(() => temp.cleanup());

describe('releasePrune', () => {
  it('keeps the newest N releases that went live plus the live and protected ones, removes the rest', async () => {
    // Ids sort differently from creation time on purpose: age comes from metadata, not names.
    const order = ['e', 'a', 'd', 'b', 'c', 'f'];
    for (const [minute, id] of order.entries()) await makeRelease(dataDir, APP, id, { 'index.js': id }, at(minute));
    for (const id of ['d', 'c', 'a']) await releaseActivate({ kind: 'release.activate', app: APP, releaseId: id, timeoutMs: 10_000 }, makeContext(dataDir).ctx);

    const outcome = await prune({ keep: 2, protect: ['e'] });

    // Went live: d, c, a. The newest two of them (c, d) stay, a is live, e is protected; b and f never went live.
    expect(outcome.output).toEqual({ removed: ['f', 'b'], kept: ['c', 'd', 'a', 'e'] });
    expect((await listReleases(dataDir, APP)).map((release) => release.id)).toEqual(['c', 'd', 'a', 'e']);
    const left = await readdir(appPaths(dataDir, APP).releases);
    expect(left.sort()).toEqual(['.a.json', '.c.json', '.d.json', '.e.json', 'a', 'c', 'd', 'e']);
  });

  it('removes releases that never went live (or failed after) before good ones, and keeps good ones whatever their number', async () => {
    // good-1, good-2 went live; four failed deployments after them never did; bad-7 went live and failed its health check.
    for (const [minute, id] of ['good-1', 'good-2', 'fail-3', 'fail-4', 'fail-5', 'fail-6', 'bad-7'].entries()) await makeRelease(dataDir, APP, id, {}, at(minute));
    for (const id of ['good-1', 'good-2', 'bad-7']) await releaseActivate({ kind: 'release.activate', app: APP, releaseId: id, timeoutMs: 10_000 }, makeContext(dataDir).ctx);
    await releaseActivate({ kind: 'release.activate', app: APP, releaseId: 'good-2', timeoutMs: 10_000 }, makeContext(dataDir).ctx);

    const outcome = await prune({ keep: 3, protect: [], failed: ['bad-7'] });

    // The two good ones stay (good-2 is live); one slot is left, for the newest release that did not go live.
    expect(outcome.output).toEqual({ removed: ['fail-6', 'fail-5', 'fail-4', 'fail-3'], kept: ['bad-7', 'good-2', 'good-1'] });
  });

  it('falls back to the directory mtime for releases without metadata', async () => {
    const paths = appPaths(dataDir, APP);
    for (const [minute, id] of ['old', 'new'].entries()) {
      await mkdir(paths.release(id), { recursive: true });
      await utimes(paths.release(id), at(minute), at(minute));
    }
    expect((await prune({ keep: 1 })).output).toEqual({ removed: ['old'], kept: ['new'] });
  });

  it('removes releases with read-only directories and files inside', async () => {
    const dir = await makeRelease(dataDir, APP, 'locked', { 'node_modules/pkg/index.js': 'x' }, at(0));
    await makeRelease(dataDir, APP, 'fresh', {}, at(1));
    await chmod(join(dir, 'node_modules/pkg/index.js'), 0o444);
    await chmod(join(dir, 'node_modules/pkg'), 0o555);
    await chmod(join(dir, 'node_modules'), 0o500);

    expect((await prune({ keep: 1 })).output).toEqual({ removed: ['locked'], kept: ['fresh'] });
    expect(existsSync(dir)).toBe(false);
  });

  it('cleans up what an interrupted prune left behind', async () => {
    const paths = appPaths(dataDir, APP);
    await makeRelease(dataDir, APP, 'r1');
    await mkdir(join(paths.releases, '.trash-r0-1234abcd/node_modules'), { recursive: true });
    await writeFile(join(paths.releases, '.gone.json'), '{}');

    expect((await prune({ keep: 5 })).output).toEqual({ removed: [], kept: ['r1'] });
    expect((await readdir(paths.releases)).sort()).toEqual(['.r1.json', 'r1']);
  });

  it('does nothing for an app that has no releases yet', async () => {
    expect((await prune({})).output).toEqual({ removed: [], kept: [] });
  });
});
