import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findRepoPath } from '../distribution/repo-files.js';
import { ensureExampleRepo } from './example-repo.js';

/** The quick start's next step for the user is `git commit` in the example: it must work on a machine without a git identity. */
let dir: string;
const saved = { global: process.env.GIT_CONFIG_GLOBAL, nosystem: process.env.GIT_CONFIG_NOSYSTEM };
const source = findRepoPath('deploy/examples/node-hello')!;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'df-example-'));
  process.env.GIT_CONFIG_NOSYSTEM = '1';
});
afterEach(() => {
  for (const [key, value] of [['GIT_CONFIG_GLOBAL', saved.global], ['GIT_CONFIG_NOSYSTEM', saved.nosystem]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('ensureExampleRepo', () => {
  it('gives the example its own git identity on a machine without one, so the user can commit', async () => {
    writeFileSync(join(dir, 'empty.gitconfig'), '');
    process.env.GIT_CONFIG_GLOBAL = join(dir, 'empty.gitconfig');
    const { path, created } = await ensureExampleRepo(source, join(dir, 'example'));
    expect(created).toBe(true);
    writeFileSync(join(path, 'message.txt'), 'Hello from a fresh machine\n');
    git(path, 'commit', '--all', '--quiet', '--message', 'a change');
    expect(git(path, 'log', '--format=%an <%ae>|%s')).toBe('DevFlow quick start <quickstart@devflow.invalid>|a change\nDevFlow quick start <quickstart@devflow.invalid>|node-hello: the DevFlow quick-start example');
  });

  it("leaves the user's own identity to apply when there is one", async () => {
    writeFileSync(join(dir, 'user.gitconfig'), '[user]\n\tname = Ada\n\temail = ada@example.com\n');
    process.env.GIT_CONFIG_GLOBAL = join(dir, 'user.gitconfig');
    const { path } = await ensureExampleRepo(source, join(dir, 'example'));
    git(path, 'commit', '--allow-empty', '--quiet', '--message', 'mine');
    expect(git(path, 'log', '-1', '--format=%an <%ae>')).toBe('Ada <ada@example.com>');
  });
});
