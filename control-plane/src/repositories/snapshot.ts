import { AppError } from '../errors.js';
import { ObjectReader } from './cat-file.js';
import { parseCommit, parseTree } from './objects.js';
import type { CommitInfo } from './read.js';

/** Root file names at a commit and the contents of the paths asked for (null: no such file). */
export interface CommitFiles {
  rootFiles: string[];
  files: Record<string, string | null>;
}

const MAX_FILE_BYTES = 1024 * 1024;

/** Runs `fn` with one object reader on the mirror, closed afterwards whatever happens. */
export async function withReader<T>(gitDir: string, fn: (reader: ObjectReader) => Promise<T>): Promise<T> {
  const reader = new ObjectReader(gitDir, MAX_FILE_BYTES);
  try {
    return await fn(reader);
  } finally {
    reader.close();
  }
}

/** The commit a ref or (abbreviated) hash names, or null when the mirror has none. `rev` is validated by the caller. */
export async function readCommit(reader: ObjectReader, rev: string): Promise<CommitInfo | null> {
  const object = await reader.read(`${rev}^{commit}`);
  if (!object) return null;
  if (!object.content) return { sha: object.oid, message: '(commit object too large to show)', author: '', committedAt: new Date(0).toISOString() };
  return parseCommit(object.oid, object.content);
}

/** Null when the mirror does not have the commit (fetch, then ask again). Paths are validated by the caller. */
export async function readCommitFiles(reader: ObjectReader, commit: string, paths: readonly string[]): Promise<CommitFiles | null> {
  const tree = await reader.read(`${commit}^{tree}`);
  if (!tree?.content) return null;
  const rootFiles = parseTree(tree.content, tree.oid).map((e) => e.name);
  const files: Record<string, string | null> = {};
  for (const path of paths) {
    // A root-level name not in the listing needs no look-up.
    const object = path.includes('/') || rootFiles.includes(path) ? await reader.read(`${commit}:${path}`) : null;
    if (!object || object.type !== 'blob') {
      files[path] = null;
      continue;
    }
    if (!object.content) {
      throw new AppError('VALIDATION_FAILED', `${path} at ${commit.slice(0, 12)} is ${object.size} bytes; the limit is ${MAX_FILE_BYTES}`, { field: 'path' });
    }
    files[path] = object.content.toString('utf8');
  }
  return { rootFiles, files };
}
