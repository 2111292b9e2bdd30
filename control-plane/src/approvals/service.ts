import type { AuditLog } from '../audit/audit.js';
import type { DeploymentLog } from '../deployments/log.js';
import type { DeploymentStore } from '../deployments/store.js';
import type { Deployment } from '../deployments/types.js';
import { AppError, notFound } from '../errors.js';
import type { EnginePublisher } from '../events/publish.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ApprovalRule } from './rule.js';
import { ApprovalStore, type ApprovalRequest } from './store.js';

export const EXPIRE_APPROVAL_JOB = 'approvals.expire';

export interface ApprovalDeps {
  store: DeploymentStore;
  approvals: ApprovalStore;
  log: DeploymentLog;
  publish: EnginePublisher;
  jobs: JobQueue;
  audit: AuditLog;
  logger: Logger;
  /** Wake the project's deployment queue (DeploymentQueue.wake). */
  wake(projectId: string): Promise<void>;
}

export interface Approver {
  id: string;
  email: string;
}

const hours = (s: number): string => (s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`);

/**
 * Deployment approvals: a deploy request to an environment whose rule requires approval is
 * created `pending_approval` (deployments/requests.ts calls `requested`); enough approvals from
 * users other than the requester queue it, one rejection or the expiry ends it `rejected`.
 */
export class ApprovalService {
  constructor(private readonly d: ApprovalDeps) {}

  /** Register the expiry job and re-arm (or expire) what was pending before this boot. */
  async start(): Promise<void> {
    this.d.jobs.process<{ deploymentId: string }>(EXPIRE_APPROVAL_JOB, (job) => this.expire(job.data.deploymentId), { concurrency: 4 });
    for (const p of await this.d.approvals.pendingExpiries()) await this.armExpiry(p.deploymentId, p.expiresAt);
  }

  /** Called by DeploymentRequests for every deployment it created `pending_approval`. */
  async requested(dep: Deployment, rule: ApprovalRule): Promise<void> {
    const expiresAt = await this.d.approvals.open(dep.id, rule);
    await this.d.log.write(dep.id, `waiting for ${rule.approvers} approval${rule.approvers === 1 ? '' : 's'} (expires in ${hours(rule.expiresAfterSeconds)}, ${new Date(expiresAt).toISOString()})`);
    await this.armExpiry(dep.id, expiresAt);
  }

  async list(): Promise<ApprovalRequest[]> {
    return this.d.approvals.requests();
  }

  async get(deploymentId: string): Promise<ApprovalRequest> {
    const [request] = await this.d.approvals.requests(deploymentId);
    if (!request) {
      await this.d.store.get(deploymentId); // 404 when it does not exist at all
      throw new AppError('NOT_FOUND', `deployment ${deploymentId} did not need approval`, { id: deploymentId });
    }
    return request;
  }

  async approve(user: Approver, deploymentId: string): Promise<ApprovalRequest> {
    const dep = await this.pending(deploymentId, 'approved');
    if (dep.userId === user.id) {
      throw new AppError('FORBIDDEN', `you requested deployment ${dep.id}; approvers cannot approve their own deployment, another approver must`, { id: dep.id });
    }
    if (!(await this.d.approvals.decide(dep.id, user, 'approved', null))) {
      throw new AppError('CONFLICT', `you already approved deployment ${dep.id}; it needs approval from another user`, { id: dep.id });
    }
    const request = await this.get(dep.id);
    const count = request.approvals.length;
    await this.d.audit.record(user.id, 'deployment.approve', dep.id, { approvals: count, required: request.required });
    if (count < request.required) {
      await this.d.log.write(dep.id, `approved by ${user.email} (${count} of ${request.required})`);
      await this.d.publish.status(dep);
      return request;
    }
    if (await this.d.store.queueApproved(dep.id)) {
      await this.d.log.write(dep.id, `approved by ${user.email} (${count} of ${request.required}): queued`);
      const queued = await this.d.store.get(dep.id);
      await this.d.publish.status(queued);
      await this.d.publish.queue(queued.projectId);
      await this.d.wake(queued.projectId);
    }
    return this.get(dep.id);
  }

  async reject(user: Approver, deploymentId: string, reason: string | undefined): Promise<ApprovalRequest> {
    const dep = await this.pending(deploymentId, 'rejected');
    await this.d.approvals.decide(dep.id, user, 'rejected', reason ?? null);
    const why = `rejected by ${user.email}${reason ? `: ${reason}` : ''}`;
    if (!(await this.end(dep, why))) throw this.notPending(await this.d.store.get(dep.id), 'rejected');
    await this.d.audit.record(user.id, 'deployment.reject', dep.id, reason ? { reason } : undefined);
    return this.get(dep.id);
  }

  /** The expiry job: reject what is still pending once its time is up (idempotent). */
  async expire(deploymentId: string): Promise<void> {
    const dep = await this.d.store.find(deploymentId);
    if (dep?.status !== 'pending_approval') return;
    const rule = await this.d.approvals.rule(deploymentId);
    const expiresAt = rule?.expiresAt ?? 0;
    if (expiresAt > Date.now()) return this.armExpiry(deploymentId, expiresAt);
    const created = new Date(dep.createdAt).toISOString();
    if (await this.end(dep, `approval expired: nobody approved it since ${created}`)) {
      await this.d.audit.record('system', 'deployment.approval_expired', dep.id);
    }
  }

  private async end(dep: Deployment, why: string): Promise<boolean> {
    if (!(await this.d.store.finish(dep.id, 'rejected', why))) return false;
    await this.d.log.write(dep.id, why);
    await this.d.publish.status(await this.d.store.get(dep.id));
    return true;
  }

  private async armExpiry(deploymentId: string, expiresAt: number): Promise<void> {
    await this.d.jobs.add(EXPIRE_APPROVAL_JOB, { deploymentId }, { delayMs: Math.max(0, expiresAt - Date.now()), jobId: deploymentId, attempts: 5, backoffMs: 1000 });
  }

  private async pending(deploymentId: string, verb: 'approved' | 'rejected'): Promise<Deployment> {
    const dep = await this.d.store.find(deploymentId);
    if (!dep) throw notFound('deployment', deploymentId);
    if (dep.status !== 'pending_approval') throw this.notPending(dep, verb);
    return dep;
  }

  private notPending(dep: Deployment, verb: string): AppError {
    return new AppError('CONFLICT', `deployment ${dep.id} is ${dep.status}${dep.reason ? ` (${dep.reason})` : ''}; only a deployment pending approval can be ${verb}`, {
      id: dep.id,
      status: dep.status,
    });
  }
}
