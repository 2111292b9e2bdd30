import type { CommitInfo } from './read.js';

/**
 * Raw git objects (from `git cat-file --batch`) turned into what the control plane shows:
 * the same fields `git log --format='%H%x1f%s%x1f%an <%ae>%x1f%cI'` prints, without a process.
 */

/** A commit object's sha, subject (first paragraph on one line), "Name <email>" and committer date (ISO 8601). */
export function parseCommit(sha: string, raw: Buffer): CommitInfo {
  const text = raw.toString('utf8');
  const end = text.indexOf('\n\n');
  const headers = (end === -1 ? text : text.slice(0, end)).split('\n');
  const body = end === -1 ? '' : text.slice(end + 2);
  const header = (name: string) => headers.find((h) => h.startsWith(`${name} `))?.slice(name.length + 1) ?? '';
  const author = ident(header('author'));
  const committer = ident(header('committer'));
  return { sha, message: subject(body), author: `${author.name} <${author.email}>`, committedAt: isoDate(committer.epoch, committer.tz) };
}

export interface TreeEntry {
  mode: string;
  name: string;
  oid: string;
}

/** A tree object's entries (`<mode> <name>\0<binary oid>` each); `oidHex` is the tree's own id, for the hash length. */
export function parseTree(raw: Buffer, oidHex: string): TreeEntry[] {
  const oidBytes = oidHex.length / 2;
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < raw.length) {
    const space = raw.indexOf(0x20, at);
    const nul = raw.indexOf(0, space);
    if (space === -1 || nul === -1 || nul + 1 + oidBytes > raw.length) throw new Error('malformed tree object');
    entries.push({
      mode: raw.subarray(at, space).toString('latin1'),
      name: raw.subarray(space + 1, nul).toString('utf8'),
      oid: raw.subarray(nul + 1, nul + 1 + oidBytes).toString('hex'),
    });
    at = nul + 1 + oidBytes;
  }
  return entries;
}

/** "Name <email> 1700000000 +0100" (git's ident line). */
function ident(line: string): { name: string; email: string; epoch: number; tz: string } {
  const m = /^(.*?)\s*<([^>]*)>\s*(\d+)?\s*([+-]\d{4})?\s*$/.exec(line);
  return { name: m?.[1] ?? '', email: m?.[2] ?? '', epoch: Number(m?.[3] ?? 0), tz: m?.[4] ?? '+0000' };
}

/** Like git's %s: leading blank lines skipped, then the first paragraph's lines joined by spaces. */
function subject(body: string): string {
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && (lines[i] ?? '').trim() === '') i++;
  const out: string[] = [];
  for (; i < lines.length; i++) {
    const line = (lines[i] ?? '').trimEnd();
    if (line.trim() === '') break;
    out.push(line);
  }
  return out.join(' ');
}

/** Like git's %cI: the local time of the committer's zone with its offset, e.g. 2024-05-01T12:00:00+02:00. */
function isoDate(epoch: number, tz: string): string {
  const sign = tz.startsWith('-') ? -1 : 1;
  const offsetMin = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  const local = new Date((epoch + offsetMin * 60) * 1000).toISOString().slice(0, 19);
  return `${local}${tz.slice(0, 3)}:${tz.slice(3, 5)}`;
}
