import { join } from 'node:path';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import type { Logger } from './logger.js';
import type { EventBus } from './ports/event-bus.js';
import type { JobQueue } from './ports/job-queue.js';
import type { Scheduler } from './ports/scheduler.js';
import { createAdapters } from './adapters/index.js';
import type { UpgradeRouter } from './ws/upgrade.js';
import { AuditLog } from './audit/audit.js';
import { UserService } from './auth/users.js';
import { SessionService } from './auth/sessions.js';
import { ApiTokenService } from './auth/api-tokens.js';
import { LoginRateLimiter } from './auth/rate-limit.js';
import { LoginService } from './auth/login.js';
import { ensureAdmin } from './auth/bootstrap.js';
import { loadOrCreateSecretKey } from './crypto/secret-key.js';
import { SecretBox } from './crypto/secret-box.js';
import { sealExistingSecrets } from './crypto/seal-existing.js';
import { settleKeyRotation } from './crypto/rotate-key.js';
import { ServerService } from './servers/service.js';
import { EnrollService } from './servers/enroll.js';
import { StepSigner } from './agents/signing.js';
import { AgentAuthenticator } from './agents/auth.js';
import { AgentHub } from './agents/hub.js';
import { Dispatcher } from './agents/dispatcher.js';
import { StepStore } from './steps/store.js';
import { LogStore } from './logs/store.js';
import { createRepositories, type Repositories } from './repositories/index.js';
import { ProjectService } from './projects/service.js';
import { InternalAddressPolicy } from './net/internal-addresses.js';
import { RepositoryUrlPolicy } from './repositories/url-policy.js';
import { EnvironmentService } from './environments/service.js';
import { VariableStore } from './environments/variables.js';
import { createEngine, type Engine } from './deployments/engine.js';
import { createNotifications, type NotificationService } from './notifications/index.js';
import { ApprovalService } from './approvals/service.js';
import { ApprovalStore } from './approvals/store.js';
import { WebhookService } from './webhooks/service.js';
import { WebhookSecrets } from './webhooks/secrets.js';
import { DeliveryStore } from './webhooks/deliveries.js';
import { ReplayGuard } from './webhooks/replay.js';
import { handOver, Takeover } from './lifecycle/takeover.js';
import { ScheduleService } from './schedules/service.js';
import { ScheduleStore } from './schedules/store.js';
import { FreezeService } from './freeze/service.js';
import { FreezeStore } from './freeze/store.js';
import { runPhases } from './lifecycle/shutdown.js';

export interface ServiceDeps {
  config: Config;
  db: Db;
  logger: Logger;
  publicUrl: string;
  upgrades: UpgradeRouter;
  print: (line: string) => void;
}

/**
 * Every service of the control plane, built once at boot and passed to the API, the CLI,
 * webhooks and the scheduler. Services never import Hono.
 */
export interface Services {
  config: Config;
  db: Db;
  logger: Logger;
  publicUrl: string;
  bus: EventBus;
  queue: JobQueue;
  scheduler: Scheduler;
  /** AES-256-GCM with the secret key: environment variables, step secrets. */
  box: SecretBox;
  audit: AuditLog;
  users: UserService;
  sessions: SessionService;
  apiTokens: ApiTokenService;
  login: LoginService;
  servers: ServerService;
  enroll: EnrollService;
  signer: StepSigner;
  hub: AgentHub;
  steps: StepStore;
  logs: LogStore;
  dispatcher: Dispatcher;
  /** The control plane's repository mirrors (data dir `repos/`). */
  repositories: Repositories;
  projects: ProjectService;
  environments: EnvironmentService;
  /** Deployments, queue, orchestrator, releases, logs (deployments/engine.ts). */
  engine: Engine;
  /** Scheduled deployments: an environment's cron schedule, fired once per tick cluster-wide (schedules/). */
  schedules: ScheduleService;
  /** Freeze windows per project or environment (freeze/). */
  freezes: FreezeService;
  /** Notification channels, rules and delivery history (notifications/). */
  notifications: NotificationService;
  /** Approve/reject deployments waiting in pending_approval (approvals/). */
  approvals: ApprovalService;
  /** Git push webhooks: secrets, deliveries, auto-deploy (webhooks/). */
  webhooks: WebhookService;
  /** Which internal addresses user-given URLs may reach (DEVFLOW_ALLOWED_INTERNAL_HOSTS). */
  outbound: InternalAddressPolicy;
  close(): Promise<void>;
}

export async function createServices(deps: ServiceDeps): Promise<Services> {
  const { config, db, logger, publicUrl } = deps;
  const adapters = await createAdapters({ redisUrl: config.redisUrl, prefix: config.redisPrefix, logger });
  const bus = adapters.eventBus;
  if (!config.secretKey) await settleKeyRotation(db, config.dataDir);
  const box = new SecretBox(await loadOrCreateSecretKey(config.dataDir, config.secretKey));
  await sealExistingSecrets(db, box, logger);
  const audit = new AuditLog(db);
  const users = new UserService(db);
  const sessions = new SessionService(db);
  const apiTokens = new ApiTokenService(db);
  const login = new LoginService(users, sessions, new LoginRateLimiter(db), audit);
  await ensureAdmin(users, audit, config, deps.print);
  await sessions.purgeExpired();

  const servers = new ServerService(db, bus, audit, publicUrl);
  const signer = await StepSigner.load(db, box);
  const enroll = new EnrollService(db, servers, audit, signer.publicJwk, publicUrl, config.peerUrls);
  const steps = new StepStore(db);
  const logs = new LogStore(db);

  // Embedded mode is the only instance: nothing can be connected before it started.
  if (!config.redisUrl) await db.execute("UPDATE servers SET status = 'offline', connection_id = NULL WHERE status = 'online'");

  let dispatcher: Dispatcher | undefined;
  const hub = new AgentHub({
    auth: new AgentAuthenticator(db, servers),
    servers,
    bus,
    logger,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    handler: () => {
      if (!dispatcher) throw new Error('dispatcher not ready');
      return dispatcher;
    },
  });
  dispatcher = new Dispatcher({ steps, logs, servers, signer, box, bus, connections: hub, logger });
  deps.upgrades.route('/agent/connect', hub.handleUpgrade);

  const outbound = new InternalAddressPolicy(config.allowedInternalHosts);
  const repositoryUrls = new RepositoryUrlPolicy(outbound, config.allowLocalRepositories);
  const repositories = createRepositories({ reposDir: join(config.dataDir, 'repos'), urlPolicy: repositoryUrls });
  const projects = new ProjectService(db, box, audit, repositories, repositoryUrls);
  const ownPorts = [config.port, Number(new URL(publicUrl).port)].filter((port) => port > 0);
  const environments = new EnvironmentService(db, projects, new VariableStore(db, box), audit, ownPorts);
  const freezes = new FreezeService({ store: new FreezeStore(db), projects, environments, audit });
  let approvals: ApprovalService | undefined;
  const engine = createEngine({
    config, db, box, bus, jobs: adapters.jobQueue, logger, audit, servers, steps, dispatcher, projects, environments, repositories,
    frozen: (env, at) => freezes.active(env, at),
    approvals: {
      requested: (dep, rule) => {
        if (!approvals) throw new Error('approvals not ready');
        return approvals.requested(dep, rule);
      },
    },
  });
  approvals = new ApprovalService({
    store: engine.store, approvals: new ApprovalStore(db), log: engine.log, publish: engine.publish, jobs: adapters.jobQueue, audit, logger,
    wake: (projectId) => engine.queue.wake(projectId),
  });
  await approvals.start();
  const webhooks = new WebhookService({
    publicUrl, projects, environments, requests: engine.requests, secrets: new WebhookSecrets(db, box), deliveries: new DeliveryStore(db), audit, logger,
    maxBodyBytes: config.webhookMaxBodyBytes, replays: new ReplayGuard(db, repositories), concurrencyPerSource: config.webhookConcurrency,
  });
  // Listening before the engine resumes anything, so no status change of a resumed deployment is missed.
  const notifications = createNotifications({ db, box, bus, jobs: adapters.jobQueue, audit, users, projects, environments, deployments: engine.store, smtp: config.smtp, outbound, publicUrl, logger });
  await notifications.dispatcher.start();
  environments.liveRelease = engine.liveRelease;
  // Resumes running deployments and wakes queued ones (agents reconnect on their own).
  await engine.start();
  // Adopts deployments of instances that died (or of this one's previous life) and re-wakes stalled queues.
  const takeover = new Takeover({ db, store: engine.store, queue: engine.queue, instanceId: engine.instanceId, logger });
  takeover.start();
  const schedules = new ScheduleService({ store: new ScheduleStore(db), scheduler: adapters.scheduler, environments, requests: engine.requests, audit, logger, instanceId: engine.instanceId });
  await schedules.start();

  return {
    config,
    db,
    logger,
    publicUrl,
    bus,
    queue: adapters.jobQueue,
    scheduler: adapters.scheduler,
    box,
    audit,
    users,
    sessions,
    apiTokens,
    login,
    servers,
    enroll,
    signer,
    hub,
    steps,
    logs,
    dispatcher,
    repositories,
    projects,
    environments,
    engine,
    schedules,
    freezes,
    notifications: notifications.service,
    approvals,
    webhooks,
    outbound,
    // Graceful order (lifecycle/): stop taking work before detaching what runs, hand it over,
    // then let agents go (they redial another instance) and close the bus last.
    async close() {
      await runPhases(
        [
          { name: 'stop takeover sweeps', run: () => takeover.stop() },
          { name: 'stop schedule sync', run: () => schedules.stop() },
          { name: 'stop notification dispatch', run: () => notifications.dispatcher.stop() },
          { name: 'stop taking jobs and schedule ticks', run: () => Promise.all([adapters.jobQueue.close(), adapters.scheduler.close()]) },
          { name: 'detach running deployments', run: () => engine.close() },
          { name: 'hand running deployments over', run: () => handOver(db, engine.instanceId) },
          { name: 'close agent connections', run: () => hub.close() },
          { name: 'close the event bus', run: () => adapters.close() },
        ],
        logger,
      );
    },
  };
}
