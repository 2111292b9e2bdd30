import type { Db } from '../db/client.js';
import type { Strategy } from '../pipeline/settings.js';
import { num, optNum, optStr, str } from '../db/client.js';

/** What a project list shows of each environment: no variables, pipeline or servers. */
export interface EnvironmentOverview {
  id: string;
  name: string;
  branch: string;
  /** null: not chosen (blue-green for an app DevFlow starts on a port, else in-place). */
  strategy: Strategy | null;
  autoDeploy: boolean;
  lock: { by: string; byEmail: string | null; reason: string; since: number } | null;
  /** The release live on most servers (newest first on a tie), as environments/:env shows it, plus its commit and deployer. */
  liveRelease: {
    deploymentId: string;
    releaseId: string;
    commit: string | null;
    commitMessage: string | null;
    activatedAt: number | null;
    by: string | null;
    serverIds: string[];
  } | null;
}

type Live = NonNullable<EnvironmentOverview['liveRelease']>;

/**
 * Every environment of every project with its live release and lock, in one statement (the
 * live rows join in; grouped here), keyed by project id: the project list costs no N+1.
 */
export async function environmentOverview(db: Db): Promise<Map<string, EnvironmentOverview[]>> {
  const rs = await db.execute(`
    SELECT e.id, e.project_id, e.name, e.branch, e.strategy, e.auto_deploy, e.locked_by, e.locked_reason, e.locked_at, lu.email AS locked_by_email,
      r.release_id, r.deployment_id, r.server_id, r.commit_sha, r.activated_at, d.commit_message, du.email AS deployed_by
    FROM environments e
    LEFT JOIN users lu ON lu.id = e.locked_by
    LEFT JOIN releases r ON r.environment_id = e.id AND r.status = 'live'
    LEFT JOIN deployments d ON d.id = r.deployment_id
    LEFT JOIN users du ON du.id = d.user_id
    ORDER BY e.project_id, e.created_at, e.id, r.activated_at DESC`);
  const envs = new Map<string, EnvironmentOverview & { projectId: string; live: Map<string, Live> }>();
  for (const r of rs.rows) {
    const id = str(r.id);
    let env = envs.get(id);
    if (!env) {
      env = {
        id,
        projectId: str(r.project_id),
        name: str(r.name),
        branch: str(r.branch),
        strategy: r.strategy === null ? null : (str(r.strategy) as Strategy),
        autoDeploy: num(r.auto_deploy) === 1,
        lock: r.locked_by === null ? null : { by: str(r.locked_by), byEmail: optStr(r.locked_by_email), reason: str(r.locked_reason), since: num(r.locked_at) },
        liveRelease: null,
        live: new Map(),
      };
      envs.set(id, env);
    }
    const releaseId = optStr(r.release_id);
    if (!releaseId) continue;
    const seen = env.live.get(releaseId);
    if (seen) seen.serverIds.push(str(r.server_id));
    else
      env.live.set(releaseId, {
        deploymentId: str(r.deployment_id),
        releaseId,
        commit: optStr(r.commit_sha),
        commitMessage: optStr(r.commit_message),
        activatedAt: optNum(r.activated_at),
        by: optStr(r.deployed_by),
        serverIds: [str(r.server_id)],
      });
  }
  const out = new Map<string, EnvironmentOverview[]>();
  for (const { projectId, live, ...env } of envs.values()) {
    // Rows come newest first, so on a tie the first group seen wins.
    let best: Live | null = null;
    for (const group of live.values()) if (!best || group.serverIds.length > best.serverIds.length) best = group;
    out.set(projectId, [...(out.get(projectId) ?? []), { ...env, liveRelease: best }]);
  }
  return out;
}
