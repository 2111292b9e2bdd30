import { readFile } from 'node:fs/promises';
import type { LogStream } from '@devflow/protocol';
import { runCommand } from '../process/run.js';
import { StepFailedError } from '../steps/handler.js';
import { lstatOrNull, removeTree } from './fs-util.js';
import { resolveInside } from './safe-path.js';

type Log = (stream: LogStream, text: string) => void;

export interface ReuseEntry {
  /** Dependency directory, e.g. node_modules or vendor. */
  path: string;
  /** The file whose bytes decide whether the dependencies are the same, e.g. package-lock.json. */
  lockfile: string;
}

/**
 * Copies a dependency dir from the live release into the new one — as hardlinks, so it costs
 * inodes, not bytes or time — when the lockfile is byte-identical. Returns whether it did; the
 * control plane skips the install stage for reused paths.
 */
export async function reuseDependencies(
  liveDir: string,
  releaseDir: string,
  entry: ReuseEntry,
  log: Log,
  signal: AbortSignal,
): Promise<boolean> {
  const skip = (why: string): false => {
    log('system', `reuse ${entry.path}: not reused, ${why}`);
    return false;
  };
  const [newLock, oldLock] = await Promise.all([
    readRegularFile(resolveInside(releaseDir, entry.lockfile, 'lockfile')),
    readRegularFile(resolveInside(liveDir, entry.lockfile, 'lockfile')),
  ]);
  if (!newLock) return skip(`this release has no ${entry.lockfile}`);
  if (!oldLock) return skip(`the live release has no ${entry.lockfile}`);
  if (!newLock.equals(oldLock)) return skip(`${entry.lockfile} changed`);

  const source = resolveInside(liveDir, entry.path, 'dependency dir');
  const target = resolveInside(releaseDir, entry.path, 'dependency dir');
  const sourceStats = await lstatOrNull(source);
  if (!sourceStats?.isDirectory()) return skip(`the live release has no ${entry.path} directory`);
  if (await lstatOrNull(target)) return skip(`this release already contains ${entry.path}`);

  // `cp -a` keeps modes, timestamps and the symlinks inside (node_modules/.bin); `-l` links files.
  const result = await runCommand(['cp', '-al', '--', source, target], {
    signal,
    onLine: (stream, line) => log(stream, line),
  });
  if (result.exitCode !== 0) {
    await removeTree(target);
    if (signal.aborted) throw new StepFailedError(`reuse of ${entry.path} was cancelled`);
    // Not fatal: the install stage simply runs as if nothing could be reused.
    return skip(`copying it failed (cp ${result.spawnError ?? `exit ${result.exitCode}`})`);
  }
  log('system', `reuse ${entry.path}: ${entry.lockfile} unchanged, hardlinked from the live release`);
  return true;
}

/** The file's bytes, or null when it is missing or not a regular file (a symlink could point anywhere). */
async function readRegularFile(path: string): Promise<Buffer | null> {
  const stats = await lstatOrNull(path);
  return stats?.isFile() ? readFile(path) : null;
}
