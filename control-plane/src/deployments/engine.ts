import type { AuditLog } from '../audit/audit.js';
import type { Dispatcher } from '../agents/dispatcher.js';
import type { Config } from '../config.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { newId } from '../crypto/random.js';
import type { Db } from '../db/client.js';
import type { EnvironmentService } from '../environments/service.js';
import type { Logger } from '../logger.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ProjectService } from '../projects/service.js';
import type { Repositories } from '../repositories/index.js';
import type { ServerService } from '../servers/service.js';
import type { StepStore } from '../steps/store.js';
import { EnginePublisher } from '../events/publish.js';
import { Orchestrator } from '../orchestrator/execute.js';
import { prepareDeployment } from '../orchestrator/prepare.js';
import { DeploymentQueue } from '../queue/service.js';
import { autoRollbackOptions } from './auto-rollback.js';
import { DeploymentLog } from './log.js';
import { liveRelease, ReleaseStore, type LiveRelease } from './releases.js';
import { DeploymentRequests, type ApprovalGate } from './requests.js';
import type { FreezeLookup } from './rules.js';
import { RunStore } from './run-store.js';
import { DeploymentStore } from './store.js';
import { RolloutStore } from '../rollout/store.js';

export interface EngineDeps {
  config: Pick<Config, 'deployTimeoutMs' | 'agentGraceMs' | 'minFreeDiskBytes' | 'redisUrl'>;
  db: Db;
  box: SecretBox;
  bus: EventBus;
  jobs: JobQueue;
  logger: Logger;
  audit: AuditLog;
  servers: ServerService;
  steps: StepStore;
  dispatcher: Dispatcher;
  projects: ProjectService;
  environments: EnvironmentService;
  repositories: Repositories;
  /** Freeze windows covering an environment (freeze/service.ts), checked by deployments/rules.ts. */
  frozen: FreezeLookup;
  /** Deployments created `pending_approval` are handed to approvals/ (see services.ts). */
  approvals: ApprovalGate;
}

/** The deployment engine as the rest of the control plane sees it. */
export interface Engine {
  /** This process's id in `deployments.claimed_by` (new on every boot). */
  instanceId: string;
  store: DeploymentStore;
  runs: RunStore;
  releases: ReleaseStore;
  log: DeploymentLog;
  /** Weights, analysis windows and promote/abort requests of progressive deployments. */
  rollout: RolloutStore;
  /** Deployment status and queue events (also used by approvals/). */
  publish: EnginePublisher;
  requests: DeploymentRequests;
  queue: DeploymentQueue;
  orchestrator: Orchestrator;
  /** For E1's environment views (`environments.liveRelease = engine.liveRelease`). */
  liveRelease(environmentId: string): Promise<LiveRelease | null>;
  /** Boot: start the queue worker, resume/fail running deployments, wake queued ones. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createEngine(d: EngineDeps): Engine {
  const instanceId = newId('cp');
  const store = new DeploymentStore(d.db);
  const runs = new RunStore(d.db, d.box);
  const releases = new ReleaseStore(d.db);
  const log = new DeploymentLog(d.db, d.bus);
  const rollout = new RolloutStore(d.db);
  const publish = new EnginePublisher(d.bus, (err) => d.logger.warn('engine event not published', { err }));
  let requests: DeploymentRequests | undefined;

  const orchestrator = new Orchestrator({
    store, runs, releases, log, publish, rollout,
    dispatcher: d.dispatcher,
    steps: d.steps,
    servers: d.servers,
    bus: d.bus,
    logger: d.logger,
    agentGraceMs: d.config.agentGraceMs,
    deployTimeoutMs: d.config.deployTimeoutMs,
    instanceId,
    async autoRollback(failed) {
      if (!requests) return;
      const { options, why } = await autoRollbackOptions(runs, failed.id);
      const out = await requests.rollback('system', failed.projectId, failed.environmentId, options, { causedBy: failed.id, front: true, ...(failed.options.serverIds ? { serverIds: failed.options.serverIds } : {}) });
      await log.write(failed.id, `automatic rollback queued: deployment ${out.deployment.id} (${out.deployment.status}), ${why}`);
    },
  });
  const queue = new DeploymentQueue({
    store, runs, log, publish, orchestrator,
    jobs: d.jobs,
    logger: d.logger,
    instanceId,
    shared: d.config.redisUrl !== undefined,
    prepare: (dep) =>
      prepareDeployment(
        { db: d.db, projects: d.projects, environments: d.environments, repositories: d.repositories, servers: d.servers, runs, releases, minFreeDiskBytes: d.config.minFreeDiskBytes },
        dep,
      ),
  });
  requests = new DeploymentRequests({
    db: d.db, store, log, publish, runs,
    projects: d.projects,
    environments: d.environments,
    repositories: d.repositories,
    servers: d.servers,
    audit: d.audit,
    wake: (projectId) => queue.wake(projectId),
    approvals: d.approvals,
    frozen: d.frozen,
    minFreeDiskBytes: d.config.minFreeDiskBytes,
  });

  return {
    instanceId,
    store, runs, releases, log, publish, rollout, requests, queue, orchestrator,
    liveRelease: (environmentId) => liveRelease(d.db, environmentId),
    async start() {
      queue.start();
      await queue.recover();
    },
    close: () => queue.close(),
  };
}
