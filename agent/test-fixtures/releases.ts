import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { LogStream } from '@devflow/protocol';
import { appPaths } from '../src/paths.js';
import type { StepContext } from '../src/steps/handler.js';
import { writeReleaseMeta } from '../src/releases/meta.js';

/** Test helpers: real temp dirs, real git repositories, a StepContext that records its log. */

export interface TestContext {
  ctx: StepContext;
  lines: { stream: LogStream; text: string }[];
  controller: AbortController;
}

export function makeContext(dataDir: string, stepId = 'step-1'): TestContext {
  const lines: TestContext['lines'] = [];
  const controller = new AbortController();
  return {
    lines,
    controller,
    ctx: { stepId, dataDir, signal: controller.signal, log: (stream, text) => lines.push({ stream, text }) },
  };
}

export class TempDirs {
  private readonly dirs: string[] = [];
  async make(prefix = 'devflow-releases-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }
  async cleanup(): Promise<void> {
    await Promise.all(this.dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** A plain (non-bare) repository on branch `main` with helpers to commit files. */
export class TestRepo {
  private constructor(readonly dir: string) {}

  static async create(dir: string): Promise<TestRepo> {
    await mkdir(dir, { recursive: true });
    execFileSync('git', ['init', '--quiet', '--initial-branch=main', dir]);
    return new TestRepo(dir);
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-C', this.dir, '-c', 'user.name=Dev Eloper', '-c', 'user.email=dev@example.test', ...args], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }).trim();
  }

  /** Writes the files (path -> content) and commits them; returns the new commit's sha. */
  async commit(message: string, files: Record<string, string | Uint8Array>): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(this.dir, path)), { recursive: true });
      await writeFile(join(this.dir, path), content);
    }
    this.git('add', '--all');
    this.git('commit', '--quiet', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }
}

/** A release dir as git.sync leaves it (files + metadata), without going through git. */
export async function makeRelease(
  dataDir: string,
  app: string,
  releaseId: string,
  files: Record<string, string> = {},
  createdAt = new Date(),
): Promise<string> {
  const dir = appPaths(dataDir, app).release(releaseId);
  await mkdir(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await writeReleaseMeta(dataDir, app, { releaseId, commit: 'a'.repeat(40), createdAt: createdAt.toISOString() });
  return dir;
}
