import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Apps an agent starts are detached on purpose (they keep serving while the agent restarts), so
 * stopping the agent process leaves them running. A test that throws away an agent's data dir
 * stops them first: `<dir>/apps/<app>/slots/<slot>.json` (or one level deeper) names each
 * process group. The recorded start time must still match, so a recycled pid is never signalled.
 */
export function stopSlotApps(dir: string): number[] {
  const stopped: number[] = [];
  for (const appsDir of candidateAppsDirs(dir)) {
    for (const app of readdirSync(appsDir)) {
      const slots = join(appsDir, app, 'slots');
      if (!existsSync(slots)) continue;
      for (const file of readdirSync(slots).filter((f) => /^[a-z]+\.json$/.test(f))) {
        const state = readState(join(slots, file));
        if (state && startTime(state.pid) === state.procStartTime && killGroup(state.pid)) stopped.push(state.pid);
      }
    }
  }
  return stopped;
}

/**
 * The traffic proxy an agent starts for blue-green (the default for an app it starts on a port) is
 * detached too: `<dir>/proxy.pid` (or one level deeper). Only a live proxy of that very data dir
 * (its command line says so) is signalled, never a recycled pid.
 */
export function stopProxies(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const dataDirs = [dir, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name))];
  const stopped: number[] = [];
  for (const dataDir of dataDirs) {
    const pid = Number(readText(join(dataDir, 'proxy.pid'))?.trim());
    const cmdline = Number.isInteger(pid) && pid > 0 ? readText(`/proc/${pid}/cmdline`)?.split('\0') : undefined;
    if (cmdline?.includes('proxy') && cmdline.includes(dataDir) && killPid(pid)) stopped.push(pid);
  }
  return stopped;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // none, or gone
  }
}

function candidateAppsDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const nested = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name, 'apps'));
  return [join(dir, 'apps'), ...nested].filter((d) => existsSync(d));
}

function readState(file: string): { pid: number; procStartTime: string } | null {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; procStartTime?: unknown };
    return typeof s.pid === 'number' && typeof s.procStartTime === 'string' ? { pid: s.pid, procStartTime: s.procStartTime } : null;
  } catch {
    return null; // half-written or not a slot state file
  }
}

function startTime(pid: number): string | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return raw.slice(raw.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null; // gone
  }
}

function killPid(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number): boolean {
  try {
    process.kill(-pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
