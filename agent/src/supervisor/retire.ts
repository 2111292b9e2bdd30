import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { SlotName } from '@devflow/protocol';
import { agentPaths, appPaths } from '../paths.js';
import { writeFileAtomic } from './atomic-file.js';
import { ProxyClient } from '../proxy/client.js';
import { ProxyError } from '../proxy/control-protocol.js';
import { drainingTo } from './drain-wait.js';
import { clearSlotState, readSlotState } from './state.js';
import { stopSlotProcess } from './stop.js';

/**
 * After a blue-green switch the old slot keeps running as the instant rollback target. With a
 * configured limit it is stopped later: the switch writes `<slot>.retire.json` (which process,
 * when), and the agent's sweep stops it when due — unless traffic came back to that slot or
 * another process has been started there since. A file, so an agent restart does not forget it.
 */
const RetireRecord = z.object({ app: z.string(), slot: SlotName, pid: z.number().int(), releaseId: z.string(), at: z.number() }).strict();
type RetireRecord = z.infer<typeof RetireRecord>;

const retireFile = (dataDir: string, app: string, slot: SlotName) => join(appPaths(dataDir, app).slots, `${slot}.retire.json`);

/** Schedules stopping the process now running in `slot` at `at` (epoch ms); no-op when none runs. */
export async function scheduleRetire(dataDir: string, app: string, slot: SlotName, at: number): Promise<RetireRecord | null> {
  const state = await readSlotState(dataDir, app, slot);
  if (!state) return null;
  const record: RetireRecord = { app, slot, pid: state.pid, releaseId: state.releaseId, at };
  await writeFileAtomic(retireFile(dataDir, app, slot), `${JSON.stringify(record)}\n`);
  return record;
}

export interface Retired {
  app: string;
  slot: SlotName;
  releaseId: string;
  pid: number;
  outcome: 'stopped' | 'kept: serves traffic again' | 'replaced since';
}

/** Where traffic goes for an app when nginx, not the built-in proxy, does the switching. */
export type ActiveSlotOf = (app: string) => Promise<string | null>;

/**
 * Stops every idle slot whose time is up; returns what it did (for the agent log). The built-in
 * proxy says which slot is active and whether the old one still drains; with the nginx driver,
 * `activeSlotOf` reads the upstream file (nginx's old workers drain on their own).
 */
export async function retireDueSlots(dataDir: string, now = Date.now(), activeSlotOf?: ActiveSlotOf): Promise<Retired[]> {
  const done: Retired[] = [];
  for (const app of await readdir(agentPaths(dataDir).apps).catch(() => [] as string[])) {
    for (const slot of SlotName.options) {
      const file = retireFile(dataDir, app, slot);
      const raw = await readFile(file, 'utf8').catch(() => null);
      if (raw === null) continue;
      const parsed = RetireRecord.safeParse(JSON.parse(raw));
      if (parsed.success && parsed.data.at > now) continue;
      if (!parsed.success) {
        await rm(file, { force: true });
        continue;
      }
      const rec = parsed.data;
      const state = await readSlotState(dataDir, app, slot);
      const proxy = activeSlotOf ? { active: (await activeSlotOf(app)) === slot, draining: 0 } : await proxyView(dataDir, app, slot, state?.port ?? 0);
      // Proxy down (we cannot tell where traffic goes) or still finishing requests: next sweep.
      if (proxy === null || proxy.draining > 0) continue;
      await rm(file, { force: true });
      const base = { app, slot, releaseId: rec.releaseId, pid: rec.pid };
      if (!state || state.pid !== rec.pid) done.push({ ...base, outcome: 'replaced since' });
      else if (proxy.active) done.push({ ...base, outcome: 'kept: serves traffic again' });
      else {
        await stopSlotProcess(state, 10_000);
        await clearSlotState(dataDir, app, slot);
        done.push({ ...base, outcome: 'stopped' });
      }
    }
  }
  return done;
}

async function proxyView(dataDir: string, app: string, slot: SlotName, port: number): Promise<{ active: boolean; draining: number } | null> {
  try {
    const status = await ProxyClient.forDataDir(dataDir).status();
    return { active: status.routes.some((r) => r.app === app && r.slot === slot), draining: drainingTo(status, app, port) };
  } catch (err) {
    if (err instanceof ProxyError && err.code === 'NOT_RUNNING') return null;
    throw err;
  }
}
