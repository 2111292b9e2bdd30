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
import { checkLock, lockOverrideLine } from './lock-rule.js';
import type { RunStore } from './run-store.js';
import { rollbackVariables, type RollbackVariables } from './rollback-variables.js';

/** approvals/: told about every deployment created `pending_approval` (arms its expiry). */
export interface ApprovalGate {
  requested(deployment: Deployment, rule: ApprovalRule): Promise<void>;
}

export interface RequestDeps {
  db: Db;
  store: DeploymentStore;
  log: DeploymentLog;
  projects: Pick<ProjectService, 'get' | 'source'>;
  environments: Pick<EnvironmentService, 'get' | 'planEnvironment'>;
  /** The target's variables snapshot, to say which variables a rollback applies. */
  runs: Pick<RunStore, 'variablesSnapshot'>;
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
  /** For `merged`: what happened, in words for the requester ("merged into dep_… …"). */
  message?: string;
  /** For a rollback: which variables it applies (also in its log). */
  variables?: RollbackVariables;
}

/**
 * Two requests are one deployment only when running either would do exactly the same: same branch,
 * same servers and same options (a request for web2 is not served by one for web3, a plain one not
 * by one that skips migrations).
 */
export function sameRequest(a: Pick<Deployment, 'branch' | 'options'>, b: Pick<NewDeployment, 'branch' | 'options'>): boolean {
  const key = (x: { branch: string | null; options: Deployment['options'] }) =>
    JSON.stringify([
      x.branch,
      Boolean(x.options.skipMigrations),
      Boolean(x.options.skipCache),
      Boolean(x.options.force),
      Boolean(x.options.autoRollback),
      [...(x.options.serverIds ?? [])].sort(),
    ]);
  return key(a) === key(b);
}

/**
 * Deploy and rollback requests: validate, resolve the commit at queue time, pre-flight, merge a
 * duplicate, queue. Called by the API, the CLI (through the API), webhooks and the scheduler.
 */
export class DeploymentRequests {
  constructor(private readonly d: RequestDeps) {}

  /** `requestedBy`: who asked when `actor` is no user (a webhook's pusher); schedules are named after their environment. */
  async deploy(actor: string, projectRef: string, envRef: string, input: DeployOptions, trigger: Trigger = 'manual', role?: Role, requestedBy?: string | null): Promise<RequestOutcome> {
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
      requestedBy: requestedBy ?? (trigger === 'schedule' ? `schedule ${env.name}` : null),
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
    const lock = checkLock(env, { byPerson, force: input.force, forceReason: input.forceReason, role, verb: 'deploy' });
    if ('skip' in lock) return this.record({ ...base, status: 'skipped', reason: lock.skip });
    const rules = await checkRules(d.db, d.frozen, { env, trigger, input, role });
    if ('blocked' in rules) return this.record({ ...base, status: 'skipped', reason: rules.blocked.reason, blockedBy: rules.blocked.blockedBy });
    const overrode = [...(lock.overrode ? ['lock'] : []), ...rules.overrode];
    if (overrode.length > 0) base.options.overrode = overrode;
    const live = await liveRelease(d.db, env.id);
    if (live?.commit === commit.sha && !input.force) {
      return this.record({ ...base, status: 'skipped', reason: `commit ${commit.sha.slice(0, 12)} is already live (release ${live.releaseId}); deploy with force to run it again` });
    }
    // A schedule tick or a push that asks again for a commit still waiting for approval joins that
    // request (not one more to approve per tick); a person's request stays their own, as the
    // requester cannot approve it.
    const waiting = await d.store.waitingForCommit(env.id, commit.sha, 'deploy', byPerson ? ['queued'] : ['queued', 'pending_approval']);
    const duplicate = waiting.find((w) => sameRequest(w, base));
    if (duplicate) {
      const what = duplicate.status === 'queued' ? 'queued deployment' : 'deployment waiting for approval';
      await d.log.write(duplicate.id, `a second request for ${commit.sha.slice(0, 12)} (${trigger}, by ${actor}) was merged into this ${what}`);
      const message = `merged into ${duplicate.id}: the ${what} of ${commit.sha.slice(0, 12)} with the same servers and options`;
      return { deployment: duplicate, outcome: 'merged', message };
    }
    return this.queue(actor, env, base, input.serverIds);
  }

  async rollback(
    actor: string,
    projectRef: string,
    envRef: string,
    input: RollbackOptions,
    extra: { causedBy?: string; front?: boolean; serverIds?: string[] } = {},
    role?: Role,
  ): Promise<RequestOutcome> {
    const d = this.d;
    const project = await d.projects.get(projectRef);
    const env = await d.environments.get(project.id, envRef);
    // An automatic rollback (causedBy) undoes a deployment that was allowed to run: it passes the
    // lock, as leaving the failed release live would be worse. A person's rollback obeys it.
    const lock = extra.causedBy ? { overrode: null } : checkLock(env, { byPerson: true, force: input.force, forceReason: input.forceReason, role, verb: 'roll back' });
    if ('skip' in lock) throw new AppError('CONFLICT', lock.skip);
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
        ...(lock.overrode ? { force: true, overrode: ['lock'], ...(input.forceReason ? { forceReason: input.forceReason } : {}) } : {}),
      },
      rollbackOf: target.id,
      ...(extra.causedBy ? { causedBy: extra.causedBy } : {}),
      ...(extra.front ? { front: true } : {}),
    };
    const current = (await d.environments.planEnvironment(env)).variables;
    const variables = rollbackVariables(target.releaseId, current, await d.runs.variablesSnapshot(target.id), input.restoreVariables ?? false);
    const out = await this.queue(actor, env, base, extra.serverIds, `rollback to release ${target.releaseId} (deployment ${target.id})`, [variables.note]);
    return { ...out, variables };
  }

  /** `notes`: log lines written right after the request's first line, before the queue is woken. */
  private async queue(actor: string, env: Environment, base: Omit<NewDeployment, 'status'>, serverIds: string[] | undefined, what?: string, notes: string[] = []): Promise<RequestOutcome> {
    try {
      await checkServers(this.d.servers, targetServers(env, serverIds), this.d.minFreeDiskBytes);
    } catch (err) {
      if (!(err instanceof PreflightError)) throw err;
      return this.record({ ...base, status: 'failed', reason: err.message });
    }
    // A rollback restores a release approved once: it waits only when the environment's rule says
    // rollbacks need approval too, and an automatic one (causedBy) never waits. Either way the
    // log says which rule applied.
    const rollback = base.kind === 'rollback';
    const needsApproval = env.approval.required && (!rollback || (env.approval.rollbacks && !base.causedBy));
    const approval = needsApproval ? env.approval : null;
    const result = await this.record({ ...base, status: approval ? 'pending_approval' : 'queued' }, what);
    for (const note of notes) await this.d.log.write(base.id, note);
    if (rollback && env.approval.required) {
      await this.d.log.write(base.id, approval
        ? `approval: rollbacks of "${env.name}" need approval (environment setting approval.rollbacks)`
        : base.causedBy
          ? 'approval: not needed (automatic rollback of a failed deployment)'
          : `approval: not needed for rollbacks of "${env.name}" (environment setting approval.rollbacks is off)`);
    }
    const lockLine = base.options.overrode?.includes('lock') && env.lock ? lockOverrideLine(result.deployment.triggeredBy?.email ?? actor, env.lock, base.options.forceReason ?? '') : null;
    if (lockLine && env.lock) {
      await this.d.log.write(base.id, lockLine);
      await this.d.audit.record(actor, 'environment.lock_override', env.id, {
        deployment: base.id, kind: base.kind, lockedBy: env.lock.by, lockedByEmail: env.lock.byEmail, lockReason: env.lock.reason, reason: base.options.forceReason ?? null,
      });
    }
    await this.d.audit.record(actor, base.kind === 'rollback' ? 'deployment.rollback' : 'deployment.create', base.id, {
      environment: env.id, commit: base.commit?.sha,
      ...(base.options.overrode ? { overrode: base.options.overrode, forceReason: base.options.forceReason ?? null } : {}),
      ...(rollback ? { approval: approval ? 'required' : 'not required' } : {}),
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
