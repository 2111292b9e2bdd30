import { copyFile, open, stat, truncate } from 'node:fs/promises';
import type { SlotName } from '@devflow/protocol';
import { appPaths } from '../paths.js';

/** Slot logs are rotated when they pass this size; one previous generation is kept (`.log.1`). */
export const SLOT_LOG_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Copy-then-truncate rotation: the app keeps its file descriptor (opened with O_APPEND), so it
 * goes on writing at the new end of the same file without being restarted.
 */
export async function rotateLogIfLarge(path: string, maxBytes = SLOT_LOG_MAX_BYTES): Promise<boolean> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  await copyFile(path, `${path}.1`);
  await truncate(path, 0);
  return true;
}

/** The last `n` lines of a file, reading only its tail (logs can be large). */
export async function tailFile(path: string, n: number, maxBytes = 256 * 1024): Promise<string[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const lines = buf.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    // When we started mid-file the first line is partial.
    if (length < size) lines.shift();
    return lines.slice(-n);
  } finally {
    await handle.close();
  }
}

/** The last `n` lines the slot's process wrote to stdout/stderr. */
export function tailSlotLog(dataDir: string, app: string, slot: SlotName, n: number): Promise<string[]> {
  return tailFile(appPaths(dataDir, app).slotLog(slot), n);
}
