import type { SlotName } from '@devflow/protocol';
import type { Db } from '../db/client.js';
import { num, optNum, optStr, str } from '../db/client.js';

export type ReleaseStatus = 'staged' | 'live' | 'previous' | 'bad' | 'pruned';

export interface ReleaseRecord {
  serverId: string;
  releaseId: string;
  deploymentId: string;
  commitSha: string | null;
  status: ReleaseStatus;
  slot: SlotName | null;
  createdAt: number;
  activatedAt: number | null;
}

/** What an environment runs now (E1's environment list/get shows it as `liveRelease`). */
export interface LiveRelease {
  releaseId: string;
  deploymentId: string;
  commit: string | null;
  activatedAt: number | null;
  /** Servers on which it is live. */
  serverIds: string[];
}

const toRelease = (r: Record<string, unknown>): ReleaseRecord => ({
  serverId: str(r.server_id),
  releaseId: str(r.release_id),
  deploymentId: str(r.deployment_id),
  commitSha: optStr(r.commit_sha),
  status: str(r.status) as ReleaseStatus,
  slot: optStr(r.slot) as SlotName | null,
  createdAt: num(r.created_at),
  activatedAt: optNum(r.activated_at),
});

/** Releases per environment and server: which is live, which may be rolled back to, which are gone. */
export class ReleaseStore {
  constructor(private readonly db: Db) {}

  async stage(environmentId: string, serverId: string, releaseId: string, deploymentId: string, commitSha: string | null): Promise<void> {
    await this.db.execute({
      sql: "INSERT OR IGNORE INTO releases (environment_id, server_id, release_id, deployment_id, commit_sha, status, created_at) VALUES (?, ?, ?, ?, ?, 'staged', ?)",
      args: [environmentId, serverId, releaseId, deploymentId, commitSha, Date.now()],
    });
  }

  /** `releaseId` is live on the server now; the one live before becomes `previous` (a bad one stays bad). */
  async activate(environmentId: string, serverId: string, releaseId: string): Promise<void> {
    await this.db.batch(
      [
        {
          sql: "UPDATE releases SET status = 'previous' WHERE environment_id = ? AND server_id = ? AND status = 'live' AND release_id <> ?",
          args: [environmentId, serverId, releaseId],
        },
        {
          sql: "UPDATE releases SET status = 'live', activated_at = ? WHERE environment_id = ? AND server_id = ? AND release_id = ?",
          args: [Date.now(), environmentId, serverId, releaseId],
        },
      ],
      'write',
    );
  }

  async setSlot(environmentId: string, serverId: string, releaseId: string, slot: SlotName): Promise<void> {
    await this.db.execute({
      sql: 'UPDATE releases SET slot = ? WHERE environment_id = ? AND server_id = ? AND release_id = ?',
      args: [slot, environmentId, serverId, releaseId],
    });
  }

  /**
   * The agent started `releaseId` on a blue/green slot of the server: it is the one release whose
   * process runs there (a warm rollback can switch back to it). Whatever ran there before is gone.
   */
  async occupySlot(environmentId: string, serverId: string, releaseId: string, slot: SlotName): Promise<void> {
    await this.db.batch(
      [
        { sql: 'UPDATE releases SET slot = NULL WHERE environment_id = ? AND server_id = ? AND slot = ? AND release_id <> ?', args: [environmentId, serverId, slot, releaseId] },
        { sql: 'UPDATE releases SET slot = ? WHERE environment_id = ? AND server_id = ? AND release_id = ?', args: [slot, environmentId, serverId, releaseId] },
      ],
      'write',
    );
  }

  /** The agent stopped the slot: no release runs there any more. */
  async vacateSlot(environmentId: string, serverId: string, slot: SlotName): Promise<void> {
    await this.db.execute({ sql: 'UPDATE releases SET slot = NULL WHERE environment_id = ? AND server_id = ? AND slot = ?', args: [environmentId, serverId, slot] });
  }

  /** Per server: which release was last started on each blue/green slot. */
  async slotsByServer(environmentId: string): Promise<Map<string, Partial<Record<SlotName, string>>>> {
    const rs = await this.db.execute({ sql: "SELECT server_id, slot, release_id FROM releases WHERE environment_id = ? AND slot IN ('blue', 'green')", args: [environmentId] });
    const out = new Map<string, Partial<Record<SlotName, string>>>();
    for (const r of rs.rows) {
      const serverId = str(r.server_id);
      out.set(serverId, { ...out.get(serverId), [str(r.slot) as SlotName]: str(r.release_id) });
    }
    return out;
  }

  async markBad(environmentId: string, serverId: string, releaseId: string): Promise<void> {
    await this.db.execute({
      sql: "UPDATE releases SET status = 'bad' WHERE environment_id = ? AND server_id = ? AND release_id = ?",
      args: [environmentId, serverId, releaseId],
    });
  }

  /** Per server: releases that went live and then failed (bad), which a prune removes first. */
  async badByServer(environmentId: string): Promise<Map<string, string[]>> {
    const rs = await this.db.execute({ sql: "SELECT server_id, release_id FROM releases WHERE environment_id = ? AND status = 'bad'", args: [environmentId] });
    const out = new Map<string, string[]>();
    for (const r of rs.rows) out.set(str(r.server_id), [...(out.get(str(r.server_id)) ?? []), str(r.release_id)]);
    return out;
  }

  async markPruned(environmentId: string, serverId: string, releaseIds: readonly string[]): Promise<void> {
    if (releaseIds.length === 0) return;
    await this.db.execute({
      sql: `UPDATE releases SET status = 'pruned' WHERE environment_id = ? AND server_id = ? AND status <> 'live' AND release_id IN (${releaseIds.map(() => '?').join(',')})`,
      args: [environmentId, serverId, ...releaseIds],
    });
  }

  async list(environmentId: string, options: { includePruned?: boolean } = {}): Promise<ReleaseRecord[]> {
    const rs = await this.db.execute({
      sql: `SELECT * FROM releases WHERE environment_id = ? ${options.includePruned ? '' : "AND status <> 'pruned'"} ORDER BY created_at DESC, release_id DESC`,
      args: [environmentId],
    });
    return rs.rows.map(toRelease);
  }

  /** Live release per server of the environment. */
  async liveByServer(environmentId: string): Promise<Map<string, ReleaseRecord>> {
    const rs = await this.db.execute({ sql: "SELECT * FROM releases WHERE environment_id = ? AND status = 'live'", args: [environmentId] });
    return new Map(rs.rows.map(toRelease).map((r) => [r.serverId, r]));
  }

  /** Per server: the release activated last (live, or bad when it failed after activation) — what `current` points at. */
  async currentByServer(environmentId: string): Promise<Map<string, ReleaseRecord>> {
    const rs = await this.db.execute({
      sql: `SELECT * FROM releases r WHERE environment_id = ? AND status IN ('live', 'bad') AND activated_at IS NOT NULL
              AND activated_at = (SELECT MAX(activated_at) FROM releases WHERE environment_id = r.environment_id AND server_id = r.server_id AND status IN ('live', 'bad'))`,
      args: [environmentId],
    });
    return new Map(rs.rows.map(toRelease).map((r) => [r.serverId, r]));
  }

  async exists(environmentId: string, releaseId: string): Promise<boolean> {
    const rs = await this.db.execute({ sql: 'SELECT 1 FROM releases WHERE environment_id = ? AND release_id = ? LIMIT 1', args: [environmentId, releaseId] });
    return rs.rows.length > 0;
  }
}

/**
 * The environment's live release: the one live on most servers (normally all of them), newest
 * first on a tie; null before the first successful activation. For E1's environment views.
 */
export async function liveRelease(db: Db, environmentId: string): Promise<LiveRelease | null> {
  const rs = await db.execute({
    sql: "SELECT * FROM releases WHERE environment_id = ? AND status = 'live' ORDER BY activated_at DESC",
    args: [environmentId],
  });
  const byRelease = new Map<string, ReleaseRecord[]>();
  for (const r of rs.rows.map(toRelease)) byRelease.set(r.releaseId, [...(byRelease.get(r.releaseId) ?? []), r]);
  let best: ReleaseRecord[] | undefined;
  for (const group of byRelease.values()) if (!best || group.length > best.length) best = group;
  const first = best?.[0];
  if (!best || !first) return null;
  return {
    releaseId: first.releaseId,
    deploymentId: first.deploymentId,
    commit: first.commitSha,
    activatedAt: first.activatedAt,
    serverIds: best.map((r) => r.serverId),
  };
}
