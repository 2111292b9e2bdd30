import { mkdir, appendFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StepSpecOf } from '@devflow/protocol';
import { appPaths } from '../paths.js';
import { StepFailedError, type StepContext, type StepOutcome } from '../steps/handler.js';
import { bootId, readProcStat } from './procfs.js';
import { rotateLogIfLarge, tailSlotLog } from './slot-log.js';
import { spawnDetached, SpawnFailedError } from './spawn.js';
import { clearSlotState, envDigest, readSlotState, writeSlotState, type SlotState } from './state.js';
import { verifyLeader } from './status.js';
import { waitSlotDrained } from './drain-wait.js';
import { stopSlotProcess } from './stop.js';

export interface SlotStartOptions {
  /** A process that exits this soon after start failed to start (bad command, port taken, crash on boot). */
  earlyExitMs?: number;
  /** Grace period when replacing a process already running in the slot. */
  replaceGraceMs?: number;
  /** Lines of the app's output shown when it dies at start. */
  tailLines?: number;
}

export function createSlotStart(options: SlotStartOptions = {}) {
  const earlyExitMs = options.earlyExitMs ?? 300;
  const replaceGraceMs = options.replaceGraceMs ?? 10_000;
  const tailLines = options.tailLines ?? 50;

  return async function slotStart(spec: StepSpecOf<'slot.start'>, ctx: StepContext): Promise<StepOutcome> {
    const paths = appPaths(ctx.dataDir, spec.app);
    const cwd = paths.release(spec.releaseId);
    if (!(await stat(cwd).catch(() => null))?.isDirectory()) {
      throw new StepFailedError(`slot ${spec.slot}: release directory ${cwd} does not exist (was release ${spec.releaseId} fetched on this server?)`);
    }

    const previous = await readSlotState(ctx.dataDir, spec.app, spec.slot);
    const digest = envDigest(spec.env);
    if (previous && spec.keepRunning && sameProcessSpec(previous, spec) && (await verifyLeader(previous)) === 'alive') {
      if (previous.envDigest === digest) {
        ctx.log('system', `slot ${spec.slot}: release ${spec.releaseId} is still running (pid ${previous.pid}, port ${spec.port}, started ${new Date(previous.startedAt).toISOString()}, with the variables that apply); kept`);
        return { output: { pid: previous.pid, port: spec.port, kept: true } };
      }
      // Keeping it would serve the variables it started with, not the ones this step applies (issue 16 item 3).
      ctx.log('system', `slot ${spec.slot}: release ${spec.releaseId} is still running (pid ${previous.pid}) but with other variables than the ones that apply now; restarting it with them`);
    }
    if (previous) {
      // The proxy may still be finishing requests on this slot from the last switch: let them end first.
      const waited = await waitSlotDrained(ctx.dataDir, spec.app, previous.port, ctx.signal, (busy) =>
        ctx.log('system', `slot ${spec.slot}: waiting for ${busy} connection(s) the proxy is draining to port ${previous.port} before replacing release ${previous.releaseId}`),
      );
      if (waited >= 50) ctx.log('system', `slot ${spec.slot}: drained after ${Math.round(waited)} ms`);
      const stopped = await stopSlotProcess(previous, replaceGraceMs);
      if (stopped.wasRunning) {
        ctx.log('system', `slot ${spec.slot}: stopped previous process ${previous.pid} (release ${previous.releaseId})${stopped.killed ? ' with SIGKILL' : ''} in ${Math.round(stopped.durationMs)} ms`);
      }
      await clearSlotState(ctx.dataDir, spec.app, spec.slot);
    }

    await mkdir(paths.slots, { recursive: true, mode: 0o700 });
    const logPath = paths.slotLog(spec.slot);
    await rotateLogIfLarge(logPath);
    await appendFile(logPath, `--- devflow: ${new Date().toISOString()} starting release ${spec.releaseId} on port ${spec.port}\n`);
    ctx.log('system', `slot ${spec.slot}: starting release ${spec.releaseId} on port ${spec.port}: ${spec.argv.join(' ')}`);

    const env = { ...(process.env as Record<string, string>), ...spec.env, PORT: String(spec.port) };
    let app;
    try {
      app = await spawnDetached(spec.argv, { cwd, env, logPath });
    } catch (err) {
      if (err instanceof SpawnFailedError) throw new StepFailedError(`slot ${spec.slot}: ${err.message}`, null, null, { cause: err });
      throw err;
    }
    const procStat = await readProcStat(app.pid);
    if (procStat) {
      await writeSlotState(ctx.dataDir, {
        app: spec.app, slot: spec.slot, pid: app.pid, procStartTime: procStat.startTime, bootId: await bootId(),
        releaseId: spec.releaseId, port: spec.port, argv: spec.argv, envDigest: digest, startedAt: Date.now(),
      });
    }

    const early = await Promise.race([
      app.exited,
      sleep(earlyExitMs, null, { signal: ctx.signal }).catch(() => 'aborted' as const),
    ]);
    if (early === 'aborted') {
      const state = await readSlotState(ctx.dataDir, spec.app, spec.slot);
      if (state) await stopSlotProcess(state, 2_000);
      await clearSlotState(ctx.dataDir, spec.app, spec.slot);
      throw new StepFailedError(`slot ${spec.slot}: start cancelled`);
    }
    if (early !== null) {
      await clearSlotState(ctx.dataDir, spec.app, spec.slot);
      const lines = await tailSlotLog(ctx.dataDir, spec.app, spec.slot, tailLines);
      for (const line of lines) ctx.log('system', `[${spec.slot}] ${line}`);
      const how = early.signal ? `was killed by ${early.signal}` : `exited with code ${early.exitCode}`;
      const last = lines.filter((l) => !l.startsWith('--- devflow:')).slice(-5).join('\n');
      throw new StepFailedError(
        `slot ${spec.slot}: the app ${how} within ${earlyExitMs} ms of starting${last ? `; its last output:\n${last}` : ' and printed nothing'}`,
        early.exitCode,
        early.signal,
      );
    }
    ctx.log('system', `slot ${spec.slot}: running, pid ${app.pid}, port ${spec.port}`);
    return { output: { pid: app.pid, port: spec.port } };
  };
}

/** The recorded process is the one this step would start (same release, port and command). */
function sameProcessSpec(state: SlotState, spec: StepSpecOf<'slot.start'>): boolean {
  return state.releaseId === spec.releaseId && state.port === spec.port && state.argv.length === spec.argv.length && state.argv.every((a, i) => a === spec.argv[i]);
}
