import type { SlotName } from '@devflow/protocol';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import type { EnvironmentService } from '../environments/service.js';
import type { Environment } from '../environments/types.js';
import type { ProjectService } from '../projects/service.js';
import type { Repositories } from '../repositories/index.js';
import type { ServerService } from '../servers/service.js';
import { inspectCommit, planDeployment, planRollback, type DeploymentPlan } from '../pipeline/index.js';
import { otherSlot } from '../pipeline/steps.js';
import type { RunStore } from '../deployments/run-store.js';
import type { ReleaseStore } from '../deployments/releases.js';
import type { Deployment } from '../deployments/types.js';
import { newReleaseId } from '../deployments/release-id.js';
import { checkServers } from '../deployments/preflight.js';

export interface PrepareDeps {
  db: Db;
  projects: Pick<ProjectService, 'get' | 'source'>;
  environments: Pick<EnvironmentService, 'get' | 'planEnvironment'>;
  repositories: Pick<Repositories, 'readCommitFiles'>;
  servers: Pick<ServerService, 'find'>;
  runs: RunStore;
  releases: ReleaseStore;
  minFreeDiskBytes: number;
}

/** The environment's servers a deployment targets, in the environment's order. */
export function targetServers(env: Environment, serverIds: readonly string[] | undefined): Environment['servers'] {
  return serverIds ? env.servers.filter((s) => serverIds.includes(s.id)) : env.servers;
}

/**
 * Turns a claimed deployment into a stored plan: reads the commit's devflow.yml and lockfiles
 * (a devflow.yml that does not validate throws its message, which goes into the log), picks
 * the release id, and asks E1's planner for the exact steps per server.
 */
export async function prepareDeployment(d: PrepareDeps, dep: Deployment): Promise<DeploymentPlan> {
  const source = await d.projects.source(dep.projectId);
  // The commit's files are read (a git process, unless the request prefetched them) while the database work below runs.
  const inspecting = dep.kind === 'deploy' && dep.commit ? inspectCommit(d.repositories, source, dep.commit.sha) : null;
  inspecting?.catch(() => undefined); // awaited below; this only keeps an earlier throw from leaving it unhandled
  const project = await d.projects.get(dep.projectId);
  const env = await d.environments.get(dep.projectId, dep.environmentId);
  const servers = targetServers(env, dep.options.serverIds);
  await checkServers(d.servers, servers, d.minFreeDiskBytes, { requireOnline: false });
  const planEnv = await d.environments.planEnvironment(env);
  const [live, current, slots, bad] = await Promise.all([
    d.releases.liveByServer(env.id),
    d.releases.currentByServer(env.id),
    d.releases.slotsByServer(env.id),
    d.releases.badByServer(env.id),
  ]);
  const serverState = servers.map((s) => ({
    serverId: s.id,
    liveReleaseId: live.get(s.id)?.releaseId ?? null,
    failedReleaseIds: bad.get(s.id) ?? [],
    // The slot traffic goes to: that of the release activated last, also when it failed after its switch (bad,
    // still serving) — the next release must start on the other slot, never on the one serving.
    liveSlot: (current.get(s.id) ?? live.get(s.id))?.slot ?? null,
    occupiedSlots: Object.keys(slots.get(s.id) ?? {}) as SlotName[],
  }));

  if (dep.kind === 'rollback') {
    const targetDeployment = dep.rollbackOf;
    const row = (await d.db.execute({ sql: 'SELECT release_id, commit_sha FROM deployments WHERE id = ?', args: [targetDeployment] })).rows[0];
    if (!targetDeployment || !row?.release_id) throw new AppError('CONFLICT', `deployment ${targetDeployment ?? '?'} has no release to roll back to`);
    const sha = row.commit_sha === null ? null : String(row.commit_sha);
    const inspection = sha ? await inspectCommit(d.repositories, source, sha).catch(() => null) : null;
    const plan = planRollback({
      targetReleaseId: String(row.release_id),
      targetCommit: sha,
      project: { preset: project.preset },
      environment: planEnv,
      repoConfig: inspection?.config ?? null,
      facts: inspection,
      servers: serverState.map((s) => ({ ...s, idleSlotReleaseId: slots.get(s.serverId)?.[otherSlot(s.liveSlot)] ?? null, currentReleaseId: current.get(s.serverId)?.releaseId ?? null })),
      variablesSnapshot: dep.options.restoreVariables ? await d.runs.variablesSnapshot(targetDeployment) : null,
      options: { restoreVariables: dep.options.restoreVariables ?? false, runDownMigration: dep.options.runDownMigration ?? false },
    });
    await d.runs.savePlan(dep.id, plan, servers.map((s) => ({ serverId: s.id, serverName: s.name })), null);
    return plan;
  }

  if (!dep.commit || !inspecting) throw new AppError('CONFLICT', 'the deployment has no resolved commit');
  const releaseId = await newReleaseId(d.db, env.id, dep.commit.sha);
  const inspection = await inspecting;
  const plan = planDeployment({
    releaseId,
    commit: dep.commit.sha,
    branch: dep.branch ?? env.branch,
    project: { preset: project.preset, repositoryUrl: source.url, ...(source.credentials ? { credentials: source.credentials } : {}) },
    environment: planEnv,
    repo: inspection,
    options: { skipMigrations: dep.options.skipMigrations ?? false, skipCache: dep.options.skipCache ?? false },
    servers: serverState,
  });
  await d.runs.savePlan(dep.id, plan, servers.map((s) => ({ serverId: s.id, serverName: s.name })), planEnv.variables);
  return plan;
}
