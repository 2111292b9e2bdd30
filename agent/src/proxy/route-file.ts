import { readFile } from 'node:fs/promises';
import { agentPaths } from '../paths.js';
import { writeFileAtomic } from '../supervisor/atomic-file.js';
import { RouteTableFile, type RouteRecord } from './control-protocol.js';

/** The persisted route table: a restarted proxy comes back with the same targets. */
export async function loadRoutes(dataDir: string): Promise<RouteRecord[]> {
  let raw: string;
  try {
    raw = await readFile(agentPaths(dataDir).proxyRoutes, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const parsed = RouteTableFile.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    throw new Error(`route table ${agentPaths(dataDir).proxyRoutes} is invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
  }
  return parsed.data.routes;
}

export async function saveRoutes(dataDir: string, routes: RouteRecord[]): Promise<void> {
  await writeFileAtomic(agentPaths(dataDir).proxyRoutes, `${JSON.stringify({ version: 1, routes }, null, 2)}\n`);
}
