import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { z } from 'zod';
import { SlotName } from '@devflow/protocol';
import { appPaths } from '../paths.js';
import { writeFileAtomic } from './atomic-file.js';

/** What we record about a slot's process, so a restarted agent can find and verify it. */
export const SlotState = z
  .object({
    app: z.string(),
    slot: SlotName,
    pid: z.number().int().positive(),
    /** /proc/<pid>/stat start time: tells our process apart from a later one with a recycled pid. */
    procStartTime: z.string(),
    bootId: z.string(),
    releaseId: z.string(),
    port: z.number().int(),
    argv: z.array(z.string()),
    /** sha256 of the variables the process was started with (envDigest): a warm slot is kept only when they still apply. */
    envDigest: z.string().optional(),
    startedAt: z.number().int(),
  })
  .strict();
export type SlotState = z.infer<typeof SlotState>;

/** One digest for a variables map, independent of key order; values never leave the agent. */
export function envDigest(env: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

export async function readSlotState(dataDir: string, app: string, slot: SlotName): Promise<SlotState | null> {
  let raw: string;
  try {
    raw = await readFile(appPaths(dataDir, app).slotState(slot), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = SlotState.safeParse(JSON.parse(raw));
  // A state file we cannot read is treated as "nothing recorded"; the pid in it cannot be trusted.
  return parsed.success ? parsed.data : null;
}

export async function writeSlotState(dataDir: string, state: SlotState): Promise<void> {
  const paths = appPaths(dataDir, state.app);
  await writeFileAtomic(paths.slotState(state.slot), `${JSON.stringify(state, null, 2)}\n`);
  await writeFileAtomic(paths.slotPid(state.slot), `${state.pid}\n`, 0o644);
}

export async function clearSlotState(dataDir: string, app: string, slot: SlotName): Promise<void> {
  const paths = appPaths(dataDir, app);
  await rm(paths.slotState(slot), { force: true });
  await rm(paths.slotPid(slot), { force: true });
}
