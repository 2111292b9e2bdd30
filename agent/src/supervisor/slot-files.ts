import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { agentPaths } from '../paths.js';

/**
 * Does any app have a slot file ending in `suffix` (`.json` state, `.retire.json` keep-time)?
 * Plain readdir, no schema code: the daemon asks this at start and on every sweep, and loads the
 * supervisor (and zod with it) only when there is something to do, so an idle agent stays small.
 */
export async function anySlotFile(dataDir: string, suffix: string): Promise<boolean> {
  const apps = await readdir(agentPaths(dataDir).apps).catch(() => [] as string[]);
  for (const app of apps) {
    const files = await readdir(join(agentPaths(dataDir).apps, app, 'slots')).catch(() => [] as string[]);
    if (files.some((f) => f.endsWith(suffix))) return true;
  }
  return false;
}
