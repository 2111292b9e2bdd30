import type { SlotName } from '@devflow/protocol';
import { bootId, groupMembers, readProcStat } from './procfs.js';
import { readSlotState, type SlotState } from './state.js';

export type SlotStatus =
  | { state: 'running'; slot: SlotName; pid: number; port: number; releaseId: string; startedAt: number; argv: string[] }
  | {
      state: 'stopped';
      slot: SlotName;
      /** Why we do not consider a recorded process ours/alive (absent when nothing was recorded). */
      reason?: 'exited' | 'pid recycled' | 'rebooted';
      /** What was recorded last, for the user. */
      last?: SlotState;
      /** Processes left in the recorded process group although its leader is gone. */
      orphans: number[];
    };

/** Is the recorded leader process alive and still the one we started? */
export async function verifyLeader(state: SlotState): Promise<'alive' | 'exited' | 'pid recycled' | 'rebooted'> {
  if (state.bootId !== (await bootId())) return 'rebooted';
  const stat = await readProcStat(state.pid);
  if (stat === null || stat.state === 'Z') return 'exited';
  return stat.startTime === state.procStartTime ? 'alive' : 'pid recycled';
}

/**
 * Live members of the slot's process group that are ours. When the leader is gone but its pid has
 * not been reused, the group can only hold processes it started (Linux does not hand out a pid
 * while a process group with that id exists). When the pid was recycled, the group is someone
 * else's and we must not touch it.
 */
export async function ourGroup(state: SlotState, leader: Awaited<ReturnType<typeof verifyLeader>>): Promise<number[]> {
  if (leader === 'pid recycled' || leader === 'rebooted') return [];
  return (await groupMembers(state.pid)).map((s) => s.pid);
}

/**
 * Reads the slot's state file and checks the process against /proc. This is also how a restarted
 * agent re-adopts its slots: the apps were started detached and kept running; the state files say
 * where they are, and the start time proves they are ours.
 */
export async function slotStatus(dataDir: string, app: string, slot: SlotName): Promise<SlotStatus> {
  const state = await readSlotState(dataDir, app, slot);
  if (state === null) return { state: 'stopped', slot, orphans: [] };
  const leader = await verifyLeader(state);
  if (leader === 'alive') {
    const { pid, port, releaseId, startedAt, argv } = state;
    return { state: 'running', slot, pid, port, releaseId, startedAt, argv };
  }
  return { state: 'stopped', slot, reason: leader, last: state, orphans: await ourGroup(state, leader) };
}
