import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appPaths } from '../paths.js';
import { releaseActivate, releaseRollback } from './activate.js';
import { currentRelease } from './list.js';
import { readReleaseMeta } from './meta.js';
import { makeContext, makeRelease, TempDirs } from '../../test-fixtures/releases.js';

const APP = 'api-production';
const temp = new TempDirs();
let dataDir: string;

const activate = (releaseId: string) =>
  releaseActivate({ kind: 'release.activate', app: APP, releaseId, timeoutMs: 10_000 }, makeContext(dataDir).ctx);
const rollback = (releaseId: string) =>
  releaseRollback({ kind: 'release.rollback', app: APP, releaseId, timeoutMs: 10_000 }, makeContext(dataDir).ctx);

beforeEach(async () => {
  dataDir = await temp.make();
});
afterEach(() => temp.cleanup());

describe('releaseActivate', () => {
  it('points current at the release with a relative link and reports the previous one', async () => {
    await makeRelease(dataDir, APP, 'r1');
    await makeRelease(dataDir, APP, 'r2');

    expect((await activate('r1')).output).toEqual({ previousReleaseId: null });
    expect(await readlink(appPaths(dataDir, APP).current)).toBe('releases/r1');
    expect((await activate('r2')).output).toEqual({ previousReleaseId: 'r1' });
    expect(await currentRelease(dataDir, APP)).toBe('r2');
    expect((await readReleaseMeta(dataDir, APP, 'r2'))?.activatedAt).toMatch(/^\d{4}-/);
  });

  it('refuses a release that does not exist or whose checkout never finished', async () => {
    await expect(activate('ghost')).rejects.toThrow(/cannot activate release ghost of api-production: it does not exist/);
    await mkdir(appPaths(dataDir, APP).release('half'), { recursive: true });
    await expect(activate('half')).rejects.toThrow(/release half of api-production is incomplete/);
    expect(await currentRelease(dataDir, APP)).toBeNull();
  });

  it('refuses to replace a current that is a real directory', async () => {
    await makeRelease(dataDir, APP, 'r1');
    await mkdir(join(appPaths(dataDir, APP).current, 'something'), { recursive: true });
    await expect(activate('r1')).rejects.toThrow(/is not a symlink; move it away/);
  });

  it('never lets a concurrent reader see a missing or broken current during 200 switches', async () => {
    await makeRelease(dataDir, APP, 'r1', { marker: 'r1' });
    await makeRelease(dataDir, APP, 'r2', { marker: 'r2' });
    await activate('r1');
    const stop = join(dataDir, 'stop');
    const reader = spawn(process.execPath, [join(import.meta.dirname, '../../test-fixtures/read-current.mjs'), appPaths(dataDir, APP).current, stop], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let output = '';
      reader.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      while (!output.includes('ready')) await once(reader.stdout, 'data');

      for (let i = 0; i < 200; i++) await activate(i % 2 === 0 ? 'r2' : 'r1');
      await writeFile(stop, '');
      await once(reader, 'exit');

      const report = JSON.parse(output.split('\n')[1] ?? 'null') as { reads: number; seen: Record<string, number>; errorCount: number; errors: string[] };
      expect(report.errors).toEqual([]);
      expect(report.errorCount).toBe(0);
      expect(Object.keys(report.seen).sort()).toEqual(['r1', 'r2']);
    } finally {
      reader.kill('SIGKILL');
    }
  });
});

describe('releaseRollback', () => {
  it('switches back to an older release that is still on disk', async () => {
    await makeRelease(dataDir, APP, 'r1');
    await makeRelease(dataDir, APP, 'r2');
    await activate('r1');
    await activate('r2');

    const { ctx, lines } = makeContext(dataDir);
    const outcome = await releaseRollback({ kind: 'release.rollback', app: APP, releaseId: 'r1', timeoutMs: 10_000 }, ctx);

    expect(outcome.output).toEqual({ previousReleaseId: 'r2' });
    expect(await currentRelease(dataDir, APP)).toBe('r1');
    expect(lines.map((l) => l.text).join('\n')).toMatch(/rolled back to release r1 .*previous: r2/);
  });

  it('fails with the releases still on disk when the target was pruned', async () => {
    await makeRelease(dataDir, APP, 'r2');
    await makeRelease(dataDir, APP, 'r3');
    await activate('r3');
    await rm(appPaths(dataDir, APP).release('r1'), { recursive: true, force: true });
    await expect(rollback('r1')).rejects.toThrow(/no longer on this server \(pruned\?\); releases on disk: (r3, r2|r2, r3)/);
    expect(await currentRelease(dataDir, APP)).toBe('r3');
  });
});
