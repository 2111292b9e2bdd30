import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Commits of the example are made by DevFlow itself; the user's own commits use their git identity. */
const IDENTITY = ['-c', 'user.name=DevFlow quick start', '-c', 'user.email=quickstart@devflow.invalid', '-c', 'commit.gpgsign=false'];

/**
 * Makes the example app a local git repository at `target` (once): a copy of `source`, one commit
 * on `main`. Left alone when it exists, so the user's own commits there survive restarts.
 */
export async function ensureExampleRepo(source: string, target: string): Promise<{ path: string; created: boolean }> {
  if (existsSync(join(target, '.git'))) return { path: target, created: false };
  await mkdir(dirname(target), { recursive: true });
  await cp(source, target, { recursive: true, filter: (src) => !/(^|\/)(node_modules|\.git)(\/|$)/.test(src) });
  const git = (...args: string[]) => run('git', [...IDENTITY, ...args], { cwd: target });
  await git('init', '--quiet', '--initial-branch=main');
  await git('add', '--all');
  await git('commit', '--quiet', '--message', 'node-hello: the DevFlow quick-start example');
  await giveIdentityIfNone(target);
  return { path: target, created: true };
}

/**
 * The quick start tells the user to edit the example and `git commit`: on a fresh machine without a
 * git identity that commit would fail, so the example repository gets one of its own then (the
 * user's global identity, when there is one, is left to apply).
 */
async function giveIdentityIfNone(repo: string): Promise<void> {
  const has = async (key: string) =>
    run('git', ['config', '--get', key], { cwd: repo }).then(
      () => true,
      () => false,
    );
  if (!(await has('user.name'))) await run('git', ['config', 'user.name', 'DevFlow quick start'], { cwd: repo });
  if (!(await has('user.email'))) await run('git', ['config', 'user.email', 'quickstart@devflow.invalid'], { cwd: repo });
}
