import { setTimeout as sleep } from 'node:timers/promises';
import type { SlotName, StepSpecOf } from '@devflow/protocol';
import { StepFailedError, type StepContext, type StepOutcome } from '../steps/handler.js';
import { slotStatus, tailSlotLog } from '../supervisor/index.js';
import { clearSlotState, readSlotState } from '../supervisor/state.js';
import { stopSlotProcess } from '../supervisor/stop.js';
import { probe } from './probe.js';

const TAIL_LINES = 50;

/**
 * health.check: GET the URL every `intervalMs` until it answers `expectStatus` `healthyAfter`
 * times in a row, or give up at `deadlineMs`. Every attempt goes to the log; on giving up, so does
 * the slot's own output, so the user sees why the release never became healthy.
 */
export async function healthCheck(spec: StepSpecOf<'health.check'>, ctx: StepContext): Promise<StepOutcome> {
  const url = new URL(spec.url);
  const started = performance.now();
  const deadline = started + spec.deadlineMs;
  let attempt = 0;
  let inARow = 0;
  let last = '';
  let gaveUpBecause = `no ${spec.healthyAfter > 1 ? `${spec.healthyAfter} successes in a row` : 'success'} within ${spec.deadlineMs} ms`;

  for (;;) {
    attempt++;
    const attemptStart = performance.now();
    const timeout = Math.round(Math.max(10, Math.min(spec.attemptTimeoutMs, deadline - attemptStart)));
    const r = await probe(url, timeout, ctx.signal);
    if (ctx.signal.aborted) throw new StepFailedError(`health check of ${spec.url} cancelled after ${attempt} attempts`);
    last = 'status' in r ? String(r.status) : r.error;
    ctx.log('system', `attempt ${attempt}: ${last} in ${r.ms} ms`);

    if ('status' in r && r.status === spec.expectStatus) {
      if (++inARow >= spec.healthyAfter) {
        const durationMs = Math.round(performance.now() - started);
        ctx.log('system', `healthy: ${spec.url} answered ${spec.expectStatus} ${inARow} time(s) in a row after ${durationMs} ms`);
        return { output: { attempts: attempt, durationMs, healthyAt: Date.now() } };
      }
    } else {
      inARow = 0;
      // No point in waiting for the deadline when the process behind the URL is gone.
      if (spec.slot && (await slotStatus(ctx.dataDir, spec.slot.app, spec.slot.slot)).state === 'stopped') {
        gaveUpBecause = `the app in slot ${spec.slot.slot} is not running (it exited)`;
        break;
      }
    }
    const wait = spec.intervalMs - (performance.now() - attemptStart);
    if (performance.now() + Math.max(0, wait) >= deadline) break;
    if (wait > 0) await sleep(wait, undefined, { signal: ctx.signal }).catch(() => undefined);
    if (ctx.signal.aborted) throw new StepFailedError(`health check of ${spec.url} cancelled after ${attempt} attempts`);
  }

  if (spec.slot) {
    const lines = await tailSlotLog(ctx.dataDir, spec.slot.app, spec.slot.slot, TAIL_LINES);
    ctx.log('system', lines.length ? `last ${lines.length} output lines of slot ${spec.slot.slot}:` : `slot ${spec.slot.slot} printed nothing`);
    for (const line of lines) ctx.log('system', `[${spec.slot.slot}] ${line}`);
    if (spec.stopSlotOnFailure) await stopUnhealthy(ctx, spec.slot.app, spec.slot.slot);
  }
  throw new StepFailedError(
    `health check failed: ${spec.url} never answered ${spec.expectStatus} — ${gaveUpBecause}; ${attempt} attempts, last result: ${last}${unsupervisedHint(spec, last)}`,
  );
}

/**
 * Without a slot DevFlow started no process (preset static or laravel, `start: false`): a refused
 * connection then means the user's own web server is missing, which the bare error does not say.
 */
function unsupervisedHint(spec: StepSpecOf<'health.check'>, last: string): string {
  if (spec.slot || last !== 'ECONNREFUSED') return '';
  const { host } = new URL(spec.url);
  return (
    `. Nothing listens on ${host}, and DevFlow starts no process for this environment (no start command):` +
    ' serve the release with your web server (nginx, Caddy, php-fpm …) on that port, set a start command,' +
    ' or turn the health check off (healthcheck: false)'
  );
}

/** A release that never became healthy must not keep running (nor hold its slot's port). */
async function stopUnhealthy(ctx: StepContext, app: string, slot: SlotName): Promise<void> {
  const state = await readSlotState(ctx.dataDir, app, slot);
  if (!state) return;
  const stopped = await stopSlotProcess(state, 5_000);
  await clearSlotState(ctx.dataDir, app, slot);
  if (stopped.wasRunning) ctx.log('system', `stopped slot ${slot} (release ${state.releaseId}, pid ${state.pid}) because it never became healthy`);
}
