import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from './run.js';

const fixture = (name: string): string => new URL(`../../test-fixtures/${name}`, import.meta.url).pathname;
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Pids of every process whose command line contains `marker`. */
const pidsWith = (marker: string): number[] =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`sleep ${marker}`) && !l.includes('sh -c'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));

/** A sleep duration no other process on the machine uses, so `ps` can find exactly our sleeps. */
const uniqueSleep = (): string => `100.${process.pid}${Math.floor(Math.random() * 1e6)}`;

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('runCommand', () => {
  it('streams stdout and stderr lines and reports the exit code', async () => {
    const lines: string[] = [];
    const r = await runCommand([process.execPath, fixture('print-lines.mjs'), '3', '7'], {
      onLine: (stream, line) => lines.push(`${stream}:${line}`),
    });
    expect(r).toMatchObject({ exitCode: 7, signal: null, timedOut: false, cancelled: false });
    expect(r.spawnError).toBeUndefined();
    expect(lines).toEqual(['stdout:line 1', 'stdout:line 2', 'stdout:line 3', 'stderr:done']);
  });

  it('passes cwd and env', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'df-run-'));
    dirs.push(dir);
    const lines: string[] = [];
    const r = await runCommand([process.execPath, '-e', 'console.log(process.cwd(), process.env.DF_X)'], {
      cwd: dir,
      env: { DF_X: 'yes' },
      onLine: (_s, l) => lines.push(l),
    });
    expect(r.exitCode).toBe(0);
    expect(lines).toEqual([`${dir} yes`]);
  });

  it('stops reading while the consumer is full, and loses no line', async () => {
    let pending = 0;
    let most = 0;
    let pauses = 0;
    const waiting: (() => void)[] = [];
    // A slow consumer: 2,000 lines every 5 ms, far slower than seq prints.
    const disk = setInterval(() => {
      pending = Math.max(0, pending - 2000);
      if (pending <= 2000) for (const w of waiting.splice(0)) w();
    }, 5);
    const seen: string[] = [];
    try {
      const r = await runCommand(['seq', '1', '100000'], {
        onLine: (_s, line) => {
          seen.push(line);
          most = Math.max(most, ++pending);
        },
        backpressure: {
          full: () => pending >= 10_000,
          drained: () => {
            pauses++;
            return new Promise<void>((resolve) => waiting.push(resolve));
          },
        },
      });
      expect(r.exitCode).toBe(0);
    } finally {
      clearInterval(disk);
    }
    expect(seen.length).toBe(100_000);
    expect(seen[0]).toBe('1');
    expect(seen.at(-1)).toBe('100000');
    expect(pauses).toBeGreaterThan(0);
    // Past the mark, at most what the pipe and the paused stream's buffer hold: a few 64 KiB reads
    // (~10,000 short lines each; on resume the buffer comes out as one chunk). Without backpressure
    // nearly all 100,000 lines would be pending at once.
    expect(most).toBeLessThan(10_000 + 40_000);
  });

  it('reports the pid of the started child', async () => {
    let pid: number | undefined;
    await runCommand(['true'], { onSpawn: (p) => (pid = p) });
    expect(pid).toBeGreaterThan(0);
  });

  it('reports a missing binary as a spawn error, not a crash', async () => {
    const r = await runCommand(['devflow-no-such-binary-xyz']);
    expect(r.exitCode).toBeNull();
    expect(r.spawnError).toMatch(/ENOENT/);
  });

  it('reports a missing cwd as a spawn error', async () => {
    const r = await runCommand(['true'], { cwd: '/nonexistent/devflow-dir' });
    expect(r.spawnError).toBe('its working directory /nonexistent/devflow-dir does not exist');
  });

  it('kills the whole process tree on timeout', async () => {
    const marker = uniqueSleep();
    // Two sleeps: one in the background, one in the foreground; both must die.
    const r = await runCommand(['sh', '-c', `sleep ${marker} & sleep ${marker}`], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.cancelled).toBe(false);
    expect(r.signal).toBe('SIGTERM');
    await expect.poll(() => pidsWith(marker), { timeout: 5000 }).toEqual([]);
  });

  it('kills the whole process tree when cancelled', async () => {
    const ac = new AbortController();
    let pid = 0;
    const done = runCommand(['sh', '-c', 'sleep 100 & sleep 100'], { signal: ac.signal, onSpawn: (p) => (pid = p ?? 0) });
    await expect.poll(() => pid).toBeGreaterThan(0);
    const children = (): number[] =>
      execFileSync('ps', ['-o', 'pid=', '-g', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    await expect.poll(() => children().length).toBeGreaterThanOrEqual(2);
    const before = children();
    ac.abort();
    const r = await done;
    expect(r).toMatchObject({ cancelled: true, timedOut: false });
    await expect.poll(() => before.filter(alive), { timeout: 5000 }).toEqual([]);
  });

  it('uses SIGKILL when a process ignores SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'df-run-'));
    dirs.push(dir);
    const script = join(dir, 'stubborn.mjs');
    await writeFile(script, "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);\n");
    const ac = new AbortController();
    const r = await runCommand([process.execPath, script], {
      signal: ac.signal,
      killGraceMs: 200,
      onLine: () => ac.abort(),
    });
    expect(r).toMatchObject({ cancelled: true, signal: 'SIGKILL' });
  });

  it('does not hang when a background child keeps the output pipe open', async () => {
    const marker = uniqueSleep();
    const r = await runCommand(['sh', '-c', `sleep ${marker} & echo started`], {});
    expect(r.exitCode).toBe(0);
    await expect.poll(() => pidsWith(marker), { timeout: 5000 }).toEqual([]);
  });
});
