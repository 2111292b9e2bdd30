import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { appPaths } from '../paths.js';
import { writeFileAtomic } from './fs-util.js';

/** `releases/.<id>.json`: written by git.sync once the checkout is complete, so its presence means "whole". */
export const ReleaseMeta = z.object({
  releaseId: z.string(),
  commit: z.string(),
  message: z.string().optional(),
  author: z.string().optional(),
  committedAt: z.string().optional(),
  /** The branch or tag the commit was fetched from. */
  ref: z.string().optional(),
  createdAt: z.string(),
  /** Last time this release was made live (activate or rollback). */
  activatedAt: z.string().optional(),
  /** Set by whoever decides a release failed after activation; rollbacks skip bad releases. */
  bad: z.boolean().optional(),
});
export type ReleaseMeta = z.infer<typeof ReleaseMeta>;

/** The release's metadata, or null when there is none (never synced completely) or it is unreadable. */
export async function readReleaseMeta(dataDir: string, app: string, releaseId: string): Promise<ReleaseMeta | null> {
  let text: string;
  try {
    text = await readFile(appPaths(dataDir, app).releaseMeta(releaseId), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = ReleaseMeta.safeParse(safeJson(text));
  return parsed.success ? parsed.data : null;
}

export async function writeReleaseMeta(dataDir: string, app: string, meta: ReleaseMeta): Promise<void> {
  await writeFileAtomic(appPaths(dataDir, app).releaseMeta(meta.releaseId), `${JSON.stringify(meta, null, 2)}\n`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null; // a torn or hand-edited file reads as "no metadata", like a missing one
  }
}
