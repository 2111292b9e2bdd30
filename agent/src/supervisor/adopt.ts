import { readdir } from 'node:fs/promises';
import { SlotName } from '@devflow/protocol';
import { agentPaths } from '../paths.js';
import { clearSlotState } from './state.js';
import { slotStatus, type SlotStatus } from './status.js';

export interface AdoptedSlot {
  app: string;
  status: SlotStatus;
}

/**
 * Called once when the agent starts: finds every slot a previous agent process started, keeps the
 * ones still running (they are ours: same boot, same process start time) and forgets the state of
 * the ones that died or whose pid now belongs to another process.
 */
export async function adoptSlots(dataDir: string): Promise<AdoptedSlot[]> {
  const apps = await readdir(agentPaths(dataDir).apps).catch(() => [] as string[]);
  const found: AdoptedSlot[] = [];
  for (const app of apps) {
    for (const slot of SlotName.options) {
      const status = await slotStatus(dataDir, app, slot);
      if (status.state === 'stopped' && status.last && status.orphans.length === 0) await clearSlotState(dataDir, app, slot);
      if (status.state === 'running' || status.last) found.push({ app, status });
    }
  }
  return found;
}
