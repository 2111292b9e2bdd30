import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './repo.js';

/** The real `devflow` binary, as a user runs it. */
export const CLI = join(REPO_ROOT, 'control-plane/dist/cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `devflow <args>` with `env` over this process's environment (DEVFLOW_URL, DEVFLOW_TOKEN, HOME). */
export function runDevflow(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
