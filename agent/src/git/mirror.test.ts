import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TempDirs, TestRepo } from '../../test-fixtures/releases.js';
import { ensureMirror, fetchRef, readRefTip, trackingRef } from './mirror.js';

const temp = new TempDirs();
let mirror: string;
let repo: TestRepo;

beforeEach(async () => {
  mirror = join(await temp.make(), 'repo.git');
  repo = await TestRepo.create(join(await temp.make(), 'src'));
  await ensureMirror(mirror);
});
afterEach(() => temp.cleanup());

describe('readRefTip', () => {
  it('reads a loose ref, a packed one, and answers null for a ref the mirror does not have', async () => {
    const head = await repo.commit('one', { 'index.js': 'v1' });
    expect((await fetchRef(mirror, repo.dir, 'main')).exitCode).toBe(0);
    expect(await readRefTip(mirror, trackingRef('main'))).toBe(head);

    execFileSync('git', ['--git-dir', mirror, 'pack-refs', '--all']);
    expect(await readRefTip(mirror, trackingRef('main'))).toBe(head);
    expect(await readRefTip(mirror, trackingRef('other'))).toBeNull();
  });
});
