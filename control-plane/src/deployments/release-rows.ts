import type { Db } from '../db/client.js';
import { num, optNum, optStr, str } from '../db/client.js';
import type { Environment } from '../environments/types.js';
import type { ReleaseStatus } from './releases.js';
import { rollbackCandidates, rollbackRefusal, type RollbackCandidate, type RollbackRefusal } from './rollback-target.js';

/** One release of an environment across its servers, as a rollback dialog lists it. */
export interface ReleaseRow {
  releaseId: string;
  deploymentId: string;
  /** live on any server > bad on any > previous > staged. */
  status: Exclude<ReleaseStatus, 'pruned'>;
  commit: { sha: string; message: string | null; author: string | null } | null;
  branch: string | null;
  deployedBy: { id: string; email: string } | null;
  createdAt: number;
  activatedAt: number | null;
  /** Whether the deployment kept a sealed snapshot of the variables (rollback can restore it). */
  hasVariablesSnapshot: boolean;
  servers: { id: string; name: string; status: ReleaseStatus }[];
  /** A maintainer marked it as a rollback target although it never went live or went bad. */
  marked: boolean;
  /** Whether a rollback of the whole environment may go to it, by the rule the rollback request applies. */
  rollback: { allowed: true } | ({ allowed: false } & RollbackRefusal);
}

const RANK: Record<ReleaseRow['status'], number> = { live: 3, bad: 2, previous: 1, staged: 0 };

/**
 * Releases still on disk, one row per release (newest first), with the deployment's commit, who
 * deployed it and the rollback rule's verdict, so the console needs no second look-up and offers
 * only what the rollback request will accept.
 */
export async function releaseRows(db: Db, env: Pick<Environment, 'id' | 'name' | 'servers'>): Promise<ReleaseRow[]> {
  const environmentId = env.id;
  const candidates = new Map((await rollbackCandidates(db, env.id, env.servers.map((s) => s.id))).map((c) => [c.releaseId, c]));
  const rs = await db.execute({
    sql: `SELECT r.release_id, r.deployment_id, r.server_id, r.status, r.created_at, r.activated_at, s.name AS server_name,
            d.commit_sha, d.commit_message, d.commit_author, d.branch, d.user_id, u.email AS user_email,
            d.variables_enc IS NOT NULL AS has_variables
          FROM releases r
          LEFT JOIN servers s ON s.id = r.server_id
          LEFT JOIN deployments d ON d.id = r.deployment_id
          LEFT JOIN users u ON u.id = d.user_id
          WHERE r.environment_id = ? AND r.status <> 'pruned'
          ORDER BY r.created_at DESC, r.release_id DESC`,
    args: [environmentId],
  });
  const rows = new Map<string, ReleaseRow>();
  for (const r of rs.rows) {
    const status = str(r.status) as ReleaseRow['status'];
    const server = { id: str(r.server_id), name: optStr(r.server_name) ?? str(r.server_id), status };
    const seen = rows.get(str(r.release_id));
    if (seen) {
      seen.servers.push(server);
      if (RANK[status] > RANK[seen.status]) seen.status = status;
      const activated = optNum(r.activated_at);
      if (activated !== null && (seen.activatedAt === null || activated > seen.activatedAt)) seen.activatedAt = activated;
      continue;
    }
    const sha = optStr(r.commit_sha);
    const userId = optStr(r.user_id);
    const email = optStr(r.user_email);
    rows.set(str(r.release_id), {
      releaseId: str(r.release_id),
      deploymentId: str(r.deployment_id),
      status,
      commit: sha ? { sha, message: optStr(r.commit_message), author: optStr(r.commit_author) } : null,
      branch: optStr(r.branch),
      deployedBy: userId && email ? { id: userId, email } : null,
      createdAt: num(r.created_at),
      activatedAt: optNum(r.activated_at),
      hasVariablesSnapshot: Number(r.has_variables) === 1,
      servers: [server],
      ...verdict(candidates.get(str(r.release_id)), str(r.release_id), env.name),
    });
  }
  return [...rows.values()];
}

function verdict(candidate: RollbackCandidate | undefined, releaseId: string, envName: string): Pick<ReleaseRow, 'marked' | 'rollback'> {
  // Not on any of the environment's current servers (a server was removed from it): nothing to re-activate.
  if (!candidate) return { marked: false, rollback: { allowed: false, reason: 'not_on_all', message: `release ${releaseId} is not on the servers of "${envName}" any more` } };
  const refusal = rollbackRefusal(candidate, envName);
  return { marked: candidate.marked, rollback: refusal ? { allowed: false, ...refusal } : { allowed: true } };
}
