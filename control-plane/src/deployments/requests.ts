import type { AuditLog } from '../audit/audit.js';
import { newId } from '../crypto/random.js';
import { AppError } from '../errors.js';
import type { EnvironmentService } from '../environments/service.js';
import type { Environment } from '../environments/types.js';
import type { ProjectService } from '../projects/service.js';
import type { Repositories } from '../repositories/index.js';
import type { ServerService } from '../servers/service.js';
import type { EnginePublisher } from '../events/publish.js';
import { targetServers } from '../orchestrator/prepare.js';
import { INSPECTED_FILES } from '../pipeline/inspect.js';
import type { DeploymentLog } from './log.js';
import { checkServers, PreflightError } from './preflight.js';
import { liveRelease } from './releases.js';
import type { DeploymentStore, NewDeployment } from './store.js';
import type { Db } from '../db/client.js';
import { rollbackTarget } from './rollback-target.js';
import type { Deployment, DeployOptions, RollbackOptions, Trigger } from './types.js';
import type { ApprovalRule } from '../approvals/rule.js';
import type { Role } from '../api/env.js';
import { checkRules, type FreezeLookup } from './rules.js';

/** approvals/: told about every deployment created `pending_approval` (arms its expiry). */
export interface ApprovalGate {
  requested(deployment: Deployment, rule: ApprovalRule): Promise<void>;
}

export interface RequestDeps {
  db: Db;
  store: DeploymentStore;
  log: DeploymentLog;
  projects: Pick<ProjectService, 'get' | 'source'>;
  environments: Pick<EnvironmentService, 'get'>;
  repositories: Pick<Repositories, 'resolve'>;
  servers: Pick<ServerService, 'find'>;
  publish: EnginePublisher;
  audit: AuditLog;
  /** Wake the project's queue (DeploymentQueue.wake). */
  wake(projectId: string): Promise<void>;
  approvals: ApprovalGate;
  minFreeDiskBytes: number;
  /** Freeze windows covering an environment (freeze/); set once the freeze service exists. */
  frozen: FreezeLookup;
}

/**
 * `queued` (201), `pending_approval` (201, the environment's approval rule), or an existing/other
 * record: `merged` into a queued duplicate, `skipped`, `failed` pre-flight.
 */
export interface RequestOutcome {
  deployment: Deployment;
  outcome: 'queued' | 'pending_approval' | 'merged' | 'skipped' | 'failed';
}

/**
 * Deploy and rollback requests: validate, resolve the commit at queue time, pre-flight, merge a
 * duplicate, queue. Called by the API, the CLI (through the API), webhooks and the scheduler.
 */
export class DeploymentRequests {
  constructor(private readonly d: RequestDeps) {}

  async deploy(actor: string, projectRef: string, envRef: string, input: DeployOptions, trigger: Trigger = 'manual', role?: Role): Promise<RequestOutcome> {
    const d = this.d;
    const project = await d.projects.get(projectRef);
    const env = await d.environments.get(project.id, envRef);
    await this.checkServerIds(env, input.serverIds);
    const branch = input.branch ?? env.branch;
    // The planner's files are read by the same git process, so planning at claim time needs none.
    const target = { branch, ...(input.commit ? { commit: input.commit } : {}) };
    const commit = await d.repositories.resolve(await d.projects.source(project.id), target, { prefetch: INSPECTED_FILES });
    const base: Omit<NewDeployment, 'status'> = {
      id: newId('dep'),
      projectId: project.id,
      environmentId: env.id,
      kind: 'deploy',
      trigger,
      userId: actor.startsWith('usr_') ? actor : null,
      branch,
      commit: { sha: commit.sha, message: commit.message, author: commit.author },
      options: {
        ...(input.skipMigrations ? { skipMigrations: true } : {}),
        ...(input.skipCache ? { skipCache: true } : {}),
        ...(input.force ? { force: true } : {}),
        ...(input.force && input.forceReason ? { forceReason: input.forceReason } : {}),
        ...(input.serverIds ? { serverIds: input.serverIds } : {}),
        ...((input.autoRollback ?? env.autoRollback) ? { autoRollback: true } : {}),
      },
    };

    const byPerson = trigger === 'manual' || trigger === 'api';
    if (env.lock && !input.force) {
      const why = `environment "${env.name}" is locked by ${env.lock.byEmail ?? env.lock.by} since ${new Date(env.lock.since).toISOString()}: ${env.lock.reason}`;
      if (byPerson) throw new AppError('CONFLICT', `${why}; deploy with force to override`, { lock: env.lock });
      return this.record({ ...base, status: 'skipped', reason: why });
    }
    const rules = await checkRules(d.db, d.frozen, { env, trigger, input, role });
    if ('blocked' in rules) return this.record({ ...base, status: 'skipped', reason: rules.blocked.reason, blockedBy: rules.blocked.blockedBy });
    const overrode = [...(env.lock && input.force ? ['lock'] : []), ...rules.overrode];
    if (overrode.length > 0) base.options.overrode = overrode;
    const live = await liveRelease(d.db, env.id);
    if (live?.commit === commit.sha && !input.force) {
      return this.record({ ...base, status: 'skipped', reason: `commit ${commit.sha.slice(0, 12)} is already live (release ${live.releaseId}); deploy with force to run it again` });
    }
    // A schedule tick or a push that asks again for a commit still waiting for approval joins that
    // request (not one more to approve per tick); a person's request stays their own, as the
    // requester cannot approve it.
    const duplicate = await d.store.waitingDuplicate(env.id, commit.sha, 'deploy', byPerson ? ['queued'] : ['queued', 'pending_approval']);
    if (duplicate) {
      const what = duplicate.status === 'queued' ? 'queued deployment' : 'deployment waiting for approval';
      await d.log.write(duplicate.id, `a second request for ${commit.sha.slice(0, 12)} (${trigger}, by ${actor}) was merged into this ${what}`);
      return { deployment: duplicate, outcome: 'merged' };
    }
    return this.queue(actor, env, base, input.serverIds);
  }

  async rollback(
    actor: string,
    projectRef: string,
    envRef: string,
    input: RollbackOptions,
    extra: { causedBy?: string; front?: boolean; serverIds?: string[] } = {},
  ): Promise<RequestOutcome> {
    const d = this.d;
    const project = await d.projects.get(projectRef);
    const env = await d.environments.get(project.id, envRef);
    const servers = targetServers(env, extra.serverIds);
    const target = await rollbackTarget(d.db, d.store, env, servers.map((s) => s.id), input.toDeploymentId);
    const base: Omit<NewDeployment, 'status'> = {
      id: newId('dep'),
      projectId: project.id,
      environmentId: env.id,
      kind: 'rollback',
      trigger: 'rollback',
      userId: actor.startsWith('usr_') ? actor : null,
      branch: target.branch,
      commit: target.commit ? { sha: target.commit.sha, message: target.commit.message ?? '', author: target.commit.author ?? '' } : null,
      options: {
        ...(input.restoreVariables ? { restoreVariables: true } : {}),
        ...(input.runDownMigration ? { runDownMigration: true } : {}),
        ...(extra.serverIds ? { serverIds: extra.serverIds } : {}),
      },
      rollbackOf: target.id,
      ...(extra.causedBy ? { causedBy: extra.causedBy } : {}),
      ...(extra.front ? { front: true } : {}),
    };
    return this.queue(actor, env, base, extra.serverIds, `rollback to release ${target.releaseId} (deployment ${target.id})`);
  }

  private async queue(actor: string, env: Environment, base: Omit<NewDeployment, 'status'>, serverIds: string[] | undefined, what?: string): Promise<RequestOutcome> {
    try {
      await checkServers(this.d.servers, targetServers(env, serverIds), this.d.minFreeDiskBytes);
    } catch (err) {
      if (!(err instanceof PreflightError)) throw err;
      return this.record({ ...base, status: 'failed', reason: err.message });
    }
    // Rollbacks restore a release that was already approved once; they never wait.
    const approval = base.kind === 'deploy' && env.approval.required ? env.approval : null;
    const result = await this.record({ ...base, status: approval ? 'pending_approval' : 'queued' }, what);
    await this.d.audit.record(actor, base.kind === 'rollback' ? 'deployment.rollback' : 'deployment.create', base.id, {
      environment: env.id, commit: base.commit?.sha,
      ...(base.options.overrode ? { overrode: base.options.overrode, forceReason: base.options.forceReason ?? null } : {}),
    });
    if (approval) await this.d.approvals.requested(result.deployment, approval);
    else await this.d.wake(base.projectId);
    return result;
  }

  private async record(n: NewDeployment, what?: string): Promise<RequestOutcome> {
    const deployment = await this.d.store.insert(n);
    const head = n.commit ? `${n.commit.sha.slice(0, 12)} ${n.commit.message.split('\n')[0] ?? ''}` : '';
    const line = n.status === 'queued' ? `queued (${n.trigger}): ${what ?? head}` : n.status === 'pending_approval' ? `requested (${n.trigger}): ${what ?? head}` : `${n.status}: ${n.reason ?? ''}`;
    await this.d.log.write(n.id, line, n.status === 'failed' ? 'stderr' : 'system');
    await this.d.publish.status(deployment);
    if (n.status === 'queued') await this.d.publish.queue(n.projectId);
    return { deployment, outcome: n.status };
  }

  /** serverIds must name servers of this environment: unknown ids are 404, others' servers 400. */
  private async checkServerIds(env: Environment, serverIds: readonly string[] | undefined): Promise<void> {
    for (const id of serverIds ?? []) {
      if (env.servers.some((s) => s.id === id)) continue;
      if (!(await this.d.servers.find(id))) throw new AppError('NOT_FOUND', `server "${id}" does not exist`, { field: 'serverIds', id });
      throw new AppError('VALIDATION_FAILED', `serverIds: server "${id}" is not assigned to environment "${env.name}"`, { field: 'serverIds', id });
    }
  }
}
