import { setTimeout as sleep } from 'node:timers/promises';
import { groupMembers, signalGroup } from './procfs.js';
import type { SlotState } from './state.js';
import { ourGroup, verifyLeader } from './status.js';

export interface StopResult {
  /** False when nothing of ours was running. */
  wasRunning: boolean;
  /** True when SIGTERM was not enough within the grace period. */
  killed: boolean;
  durationMs: number;
}

const POLL_MS = 20;
const KILL_WAIT_MS = 5_000;

async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  for (;;) {
    if ((await groupMembers(pgid)).length === 0) return true;
    if (performance.now() >= until) return false;
    await sleep(POLL_MS);
  }
}

/**
 * Stops the slot's whole process group: SIGTERM (the app drains and exits), then SIGKILL after
 * `graceMs`. Stopping something that is not running is not an error.
 */
export async function stopSlotProcess(state: SlotState, graceMs: number): Promise<StopResult> {
  const started = performance.now();
  const leader = await verifyLeader(state);
  const members = leader === 'alive' ? [state.pid] : await ourGroup(state, leader);
  if (members.length === 0) return { wasRunning: false, killed: false, durationMs: performance.now() - started };

  signalGroup(state.pid, 'SIGTERM');
  if (await waitGroupGone(state.pid, graceMs)) return { wasRunning: true, killed: false, durationMs: performance.now() - started };
  signalGroup(state.pid, 'SIGKILL');
  if (!(await waitGroupGone(state.pid, KILL_WAIT_MS))) {
    throw new Error(`process group ${state.pid} still has live processes ${KILL_WAIT_MS} ms after SIGKILL`);
  }
  return { wasRunning: true, killed: true, durationMs: performance.now() - started };
}
