import type { Db } from '../db/client.js';
import type { Repositories } from '../repositories/index.js';

const SHA = /^[0-9a-f]{7,40}$/;

/**
 * A signed push captured once stays valid forever: re-sent later under a new delivery id it would
 * roll the environment back to its old commit. So a push whose commit is an ancestor of a commit
 * the environment already has live or queued *from a webhook* is not deployed (a person can still
 * deploy any commit by hand; a push of the same commit is left to the usual "already live" and
 * "merged into the queued one" rules).
 */
export class ReplayGuard {
  constructor(
    private readonly db: Db,
    private readonly repositories: Pick<Repositories, 'isAncestor'>,
  ) {}

  /** Why this push must not deploy to the environment, or null. */
  async staleReason(projectId: string, env: { id: string; name: string }, sha: string): Promise<string | null> {
    if (!SHA.test(sha)) return null; // the deploy request refuses it with its own message
    const rs = await this.db.execute({
      sql: `SELECT d.id, d.commit_sha, d.status FROM deployments d
            WHERE d.environment_id = ? AND d.trigger = 'webhook' AND d.commit_sha IS NOT NULL
              AND (d.status IN ('pending_approval', 'queued', 'running')
                   OR d.id IN (SELECT deployment_id FROM releases WHERE environment_id = ? AND status = 'live'))
            ORDER BY d.created_at DESC LIMIT 20`,
      args: [env.id, env.id],
    });
    for (const row of rs.rows) {
      const newer = String(row.commit_sha);
      if (newer === sha || newer.startsWith(sha)) continue;
      if (await this.repositories.isAncestor(projectId, sha, newer)) {
        const how = ['pending_approval', 'queued', 'running'].includes(String(row.status)) ? `queued (${String(row.status)})` : 'live';
        return `commit ${sha.slice(0, 12)} is older than ${newer.slice(0, 12)}, which environment "${env.name}" already has ${how} from webhook deployment ${String(row.id)}: a replayed or out-of-order push is not deployed (deploy the old commit by hand to go back)`;
      }
    }
    return null;
  }
}
