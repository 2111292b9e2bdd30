import type { Db } from '../db/client.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** `<yyyymmddHHMMss>-<shortsha>` (UTC), with `-2`, `-3`… when that id was already used in the environment. */
export async function newReleaseId(db: Db, environmentId: string, sha: string, now = new Date()): Promise<string> {
  const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  const base = `${stamp}-${sha.slice(0, 8)}`;
  const rs = await db.execute({
    sql: "SELECT release_id FROM deployments WHERE environment_id = ? AND (release_id = ? OR release_id LIKE ? || '-%')",
    args: [environmentId, base, base],
  });
  const used = new Set(rs.rows.map((r) => String(r.release_id)));
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
}
