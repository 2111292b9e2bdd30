import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import type { Environment } from '../environments/types.js';
import { markedReleases } from './release-marks.js';
import type { DeploymentStore } from './store.js';
import type { Deployment } from './types.js';

export interface RollbackTarget {
  /** The deployment whose release is re-activated. */
  id: string;
  releaseId: string;
  branch: string | null;
  commit: Deployment['commit'];
}

/** One release on disk as the rollback rule sees it across the servers a rollback would touch. */
export interface RollbackCandidate {
  releaseId: string;
  deploymentId: string;
  onAll: boolean;
  live: boolean;
  liveOnAll: boolean;
  bad: boolean;
  wentLive: boolean;
  /** A maintainer marked it as a rollback target (release-marks.ts). */
  marked: boolean;
}

/** Why a named release may not be rolled back to; the console shows it up front, the API answers 409 with it. */
export type RollbackRefusal = { reason: 'not_on_all' | 'already_live' | 'bad' | 'never_live'; message: string };

/**
 * Releases on disk on `serverIds`, most recently live first (after a bad deployment that is the
 * release it replaced), never-activated ones last.
 */
export async function rollbackCandidates(db: Db, environmentId: string, serverIds: readonly string[]): Promise<RollbackCandidate[]> {
  if (serverIds.length === 0) return [];
  const rs = await db.execute({
    sql: `SELECT release_id, deployment_id, MIN(created_at) AS created_at, MAX(activated_at) AS activated_at, COUNT(DISTINCT server_id) AS servers,
            SUM(status = 'live') AS live, SUM(activated_at IS NOT NULL) AS activated, SUM(status = 'bad') AS bad, SUM(status = 'staged') AS staged
          FROM releases WHERE environment_id = ? AND status <> 'pruned' AND server_id IN (${serverIds.map(() => '?').join(',')})
          GROUP BY release_id ORDER BY activated_at IS NULL, activated_at DESC, created_at DESC`,
    args: [environmentId, ...serverIds],
  });
  const marked = await markedReleases(db, environmentId);
  return rs.rows.map((r) => ({
    releaseId: String(r.release_id),
    deploymentId: String(r.deployment_id),
    onAll: Number(r.servers) === serverIds.length,
    live: Number(r.live) > 0,
    liveOnAll: Number(r.live) === serverIds.length,
    bad: Number(r.bad) > 0,
    wentLive: Number(r.activated) === serverIds.length && Number(r.staged) === 0,
    marked: marked.has(String(r.release_id)),
  }));
}

/**
 * The rule for a rollback to a named release: on every target server, not already live there,
 * and either went live and stayed healthy or marked by a maintainer. Null when it qualifies.
 */
export function rollbackRefusal(rel: RollbackCandidate, envName: string): RollbackRefusal | null {
  if (!rel.onAll) return { reason: 'not_on_all', message: `release ${rel.releaseId} is not on every server of "${envName}"; roll back a subset of servers or choose another release` };
  if (rel.liveOnAll) return { reason: 'already_live', message: `release ${rel.releaseId} (deployment ${rel.deploymentId}) is already live on every server of "${envName}"; nothing to roll back` };
  if (rel.bad && !rel.marked) {
    return { reason: 'bad', message: `release ${rel.releaseId} failed after it was activated (marked bad); roll back only to a release that went live and stayed healthy, deploy its commit again, or have a maintainer mark it (POST …/releases/${rel.releaseId}/mark)` };
  }
  if (!rel.wentLive && !rel.marked) {
    return { reason: 'never_live', message: `release ${rel.releaseId} never went live on every server of "${envName}" (its deployment stopped before activation); roll back only to a release that went live, deploy its commit again, or have a maintainer mark it (POST …/releases/${rel.releaseId}/mark)` };
  }
  return null;
}

/**
 * Which release a rollback re-activates: only a release that once went live on every target
 * server and was not marked bad, still on disk there (a release whose build or health check
 * failed is never made live by a rollback). By id: that deployment's release, refused with the
 * reason when rollbackRefusal() names one. By default: the one live most recently before the current one.
 */
export async function rollbackTarget(db: Db, store: DeploymentStore, env: Environment, serverIds: readonly string[], toDeploymentId?: string): Promise<RollbackTarget> {
  if (serverIds.length === 0) throw new AppError('CONFLICT', `environment "${env.name}" has no servers to roll back`);
  const releases = await rollbackCandidates(db, env.id, serverIds);

  if (toDeploymentId) {
    const dep = await store.find(toDeploymentId);
    if (!dep || dep.environmentId !== env.id) throw new AppError('NOT_FOUND', `deployment "${toDeploymentId}" of environment "${env.name}" does not exist`, { id: toDeploymentId });
    const rel = releases.find((r) => r.releaseId === dep.releaseId);
    if (!dep.releaseId || !rel) throw new AppError('CONFLICT', `the release of deployment ${toDeploymentId} is not on disk any more (pruned, or it never got that far)`, { toDeploymentId });
    const refusal = rollbackRefusal(rel, env.name);
    if (refusal) throw new AppError('CONFLICT', refusal.message, { toDeploymentId, releaseId: rel.releaseId, ...(refusal.reason === 'not_on_all' ? {} : { reason: refusal.reason }) });
    return toTarget(await store.get(rel.deploymentId), rel.releaseId);
  }

  const candidate = releases.find((r) => r.onAll && r.wentLive && !r.live && !r.bad);
  if (!candidate) {
    throw new AppError('CONFLICT', `environment "${env.name}" has no earlier good release on disk to roll back to; name one with toDeploymentId (CLI: \`devflow rollback … --to <deployment id>\`)`);
  }
  return toTarget(await store.get(candidate.deploymentId), candidate.releaseId);
}

const toTarget = (d: Deployment, releaseId: string): RollbackTarget => ({ id: d.id, releaseId, branch: d.branch, commit: d.commit });
