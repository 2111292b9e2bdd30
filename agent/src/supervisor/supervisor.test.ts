import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepSpecOf } from '@devflow/protocol';
import { appPaths } from '../paths.js';
import { StepFailedError } from '../steps/handler.js';
import { bundleEntry } from '../../test-fixtures/build-entry.js';
import { fixturesDir, freePort, httpGet, isAlive, makeRelease, stepContext, tempDataDir, versionApp, waitFor, waitListening } from '../../test-fixtures/helpers.js';
import { adoptSlots, createSlotStart, slotStart, slotStatus, slotStop, tailSlotLog } from './index.js';
import { bootId, readProcStat } from './procfs.js';

const APP = 'shop-prod';
let dataDir: string;
let cleanup: () => Promise<void>;

function startSpec(port: number, env: Record<string, string> = {}, slot: 'blue' | 'green' | 'main' = 'blue'): StepSpecOf<'slot.start'> {
  return { kind: 'slot.start', app: APP, slot, releaseId: 'r1', argv: [process.execPath, versionApp], port, env: { VERSION: '1', ...env }, timeoutMs: 30_000 };
}
const stopSpec = (slot: 'blue' | 'green' | 'main' = 'blue', graceMs = 5_000): StepSpecOf<'slot.stop'> =>
  ({ kind: 'slot.stop', app: APP, slot, graceMs, timeoutMs: 30_000 });

beforeEach(async () => {
  ({ dir: dataDir, cleanup } = await tempDataDir());
  await makeRelease(dataDir, APP, 'r1');
});
afterEach(async () => {
  for (const slot of ['blue', 'green', 'main'] as const) await slotStop(stopSpec(slot, 500), stepContext(dataDir));
  await cleanup();
});

describe('slot supervisor', () => {
  it('starts the app detached in the release dir with PORT set and records pid, port and release', async () => {
    const port = await freePort();
    const ctx = stepContext(dataDir);
    const out = await slotStart(startSpec(port), ctx);
    const pid = out.output?.pid as number;
    expect(out.output).toEqual({ pid, port });
    await waitListening(port);
    expect(await httpGet(port)).toEqual({ status: 200, body: 'version=1' });

    const status = await slotStatus(dataDir, APP, 'blue');
    expect(status).toMatchObject({ state: 'running', pid, port, releaseId: 'r1' });
    const paths = appPaths(dataDir, APP);
    expect(existsSync(paths.slotPid('blue'))).toBe(true);
    // Own process group: the supervisor can signal the app and everything it started at once.
    expect((await readProcStat(pid))?.pgrp).toBe(pid);
    expect(await tailSlotLog(dataDir, APP, 'blue', 1)).toEqual([`version 1 listening on ${port}`]);
    expect(ctx.text()).toContain(`slot blue: running, pid ${pid}`);
  });

  it('the app outlives the agent that started it and a new agent re-adopts it', async () => {
    const port = await freePort();
    const entry = await bundleEntry(join(fixturesDir, 'start-slot-once.ts'), dataDir, 'start-slot-once');
    const { stdout } = await promisify(execFile)(process.execPath, [entry, dataDir, JSON.stringify(startSpec(port))]);
    const { pid } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { pid: number };
    // That agent process has exited; its app is still serving.
    await waitListening(port);
    expect(await httpGet(port)).toEqual({ status: 200, body: 'version=1' });

    const adopted = await adoptSlots(dataDir);
    expect(adopted).toEqual([{ app: APP, status: expect.objectContaining({ state: 'running', pid, port }) }]);

    const ctx = stepContext(dataDir);
    const stopped = await slotStop(stopSpec(), ctx);
    expect(stopped.output).toMatchObject({ wasRunning: true, killed: false, pid });
    await waitFor(() => !isAlive(pid), 2_000, 'app to exit');
    expect((await slotStatus(dataDir, APP, 'blue')).state).toBe('stopped');
  });

  it('stop kills the whole process group, with SIGKILL when SIGTERM is ignored', async () => {
    const port = await freePort();
    const out = await slotStart(startSpec(port, { SPAWN_CHILD: '1', IGNORE_TERM: '1' }), stepContext(dataDir));
    const pid = out.output?.pid as number;
    const childLine = await waitFor(async () => (await tailSlotLog(dataDir, APP, 'blue', 10)).find((l) => l.startsWith('child pid')));
    const childPid = Number(childLine.split(' ').at(-1));
    await waitListening(port); // its SIGTERM handler is in place
    expect(isAlive(childPid)).toBe(true);

    const ctx = stepContext(dataDir);
    const stopped = await slotStop(stopSpec('blue', 300), ctx);
    expect(stopped.output).toMatchObject({ wasRunning: true, killed: true });
    expect(ctx.text()).toContain('with SIGKILL after 300 ms');
    expect(isAlive(pid) && (await readProcStat(pid))?.state !== 'Z').toBe(false);
    expect((await readProcStat(childPid)) === null || (await readProcStat(childPid))?.state === 'Z').toBe(true);
    // Idempotent.
    expect((await slotStop(stopSpec(), stepContext(dataDir))).output).toEqual({ wasRunning: false });
  });

  it('a recycled pid is not mistaken for our app and is never signalled', async () => {
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore', detached: true });
    try {
      const pid = stranger.pid as number;
      await waitFor(() => readProcStat(pid));
      const paths = appPaths(dataDir, APP);
      await mkdir(paths.slots, { recursive: true });
      const state = { app: APP, slot: 'green', pid, procStartTime: '1', bootId: await bootId(), releaseId: 'r0', port: 1, argv: ['x'], startedAt: 1 };
      await writeFile(paths.slotState('green'), JSON.stringify(state));
      expect(await slotStatus(dataDir, APP, 'green')).toMatchObject({ state: 'stopped', reason: 'pid recycled', orphans: [] });

      const ctx = stepContext(dataDir);
      expect((await slotStop(stopSpec('green'), ctx)).output).toMatchObject({ wasRunning: false });
      expect(isAlive(pid)).toBe(true);
      expect(existsSync(paths.slotState('green'))).toBe(false);
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('a dead pid or a previous boot reads as stopped, and adoption forgets it', async () => {
    const paths = appPaths(dataDir, APP);
    await mkdir(paths.slots, { recursive: true });
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    const base = { app: APP, pid: gone.pid, procStartTime: '1', releaseId: 'r0', port: 1, argv: ['x'], startedAt: 1 };
    await writeFile(paths.slotState('green'), JSON.stringify({ ...base, slot: 'green', bootId: await bootId() }));
    await writeFile(paths.slotState('main'), JSON.stringify({ ...base, slot: 'main', pid: process.pid, bootId: 'another-boot' }));
    expect(await slotStatus(dataDir, APP, 'green')).toMatchObject({ state: 'stopped', reason: 'exited' });
    expect(await slotStatus(dataDir, APP, 'main')).toMatchObject({ state: 'stopped', reason: 'rebooted' });
    await adoptSlots(dataDir);
    expect(existsSync(paths.slotState('green'))).toBe(false);
    expect(existsSync(paths.slotState('main'))).toBe(false);
  });

  it('starting an occupied slot replaces its process', async () => {
    const port = await freePort();
    const first = (await slotStart(startSpec(port), stepContext(dataDir))).output?.pid as number;
    const ctx = stepContext(dataDir);
    const second = (await slotStart(startSpec(port, { VERSION: '2' }), ctx)).output?.pid as number;
    expect(second).not.toBe(first);
    expect(ctx.text()).toContain(`stopped previous process ${first}`);
    await waitListening(port);
    expect(await httpGet(port)).toEqual({ status: 200, body: 'version=2' });
  });

  it('an app that dies at boot fails the step with its exit code and last output', async () => {
    const ctx = stepContext(dataDir);
    // A wide window: on a busy machine node itself may need more than the default 300 ms to boot.
    const start = createSlotStart({ earlyExitMs: 10_000 });
    const err = await start(startSpec(await freePort(), { CRASH: '1' }), ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect((err as StepFailedError).exitCode).toBe(1);
    expect((err as Error).message).toMatch(/exited with code 1 within 10000 ms.*\n.*cannot connect to database/);
    expect(ctx.text()).toContain('[blue] version 1: cannot connect to database');
    expect((await slotStatus(dataDir, APP, 'blue')).state).toBe('stopped');
  });

  it('refuses a missing release directory and a command that does not exist', async () => {
    const port = await freePort();
    await expect(slotStart({ ...startSpec(port), releaseId: 'nope' }, stepContext(dataDir))).rejects.toThrow(/release directory .*nope does not exist/);
    await expect(slotStart({ ...startSpec(port), argv: ['/no/such/binary'] }, stepContext(dataDir))).rejects.toThrow(/could not start "\/no\/such\/binary".*ENOENT/);
  });

  it('a longer early-exit window catches slower crashes', async () => {
    const start = createSlotStart({ earlyExitMs: 10_000 });
    const spec = { ...startSpec(await freePort()), argv: [process.execPath, '-e', 'setTimeout(() => { console.log("late crash"); process.exit(3) }, 400)'] };
    await expect(start(spec, stepContext(dataDir))).rejects.toThrow(/exited with code 3 within 10000 ms.*\n.*late crash/);
  });
});
