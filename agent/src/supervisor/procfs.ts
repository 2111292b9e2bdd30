import { readdir, readFile } from 'node:fs/promises';

/**
 * What /proc tells us about a process. The start time (clock ticks since boot) together with the
 * boot id identifies a process for good: a recycled pid has a different start time.
 */
export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie), T, … */
  state: string;
  pgrp: number;
  startTime: string;
}

export async function readProcStat(pid: number): Promise<ProcStat | null> {
  let raw: string;
  try {
    raw = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ")".
  const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  const [state, , pgrp] = fields;
  const startTime = fields[19];
  if (state === undefined || pgrp === undefined || startTime === undefined) return null;
  return { pid, state, pgrp: Number(pgrp), startTime };
}

let cachedBootId: string | undefined;
export async function bootId(): Promise<string> {
  cachedBootId ??= (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  return cachedBootId;
}

/** Live (non-zombie) members of a process group. */
export async function groupMembers(pgid: number): Promise<ProcStat[]> {
  try {
    process.kill(-pgid, 0);
  } catch {
    return []; // ESRCH: no process left in the group
  }
  // kill(0) also succeeds for zombies nobody reaped yet, so look at the states.
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = await Promise.all(pids.map(readProcStat));
  return stats.filter((s): s is ProcStat => s !== null && s.pgrp === pgid && s.state !== 'Z');
}

/** Sends a signal to a whole process group; false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
