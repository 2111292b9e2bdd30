import type { AuditLog } from '../audit/audit.js';
import type { UserService } from '../auth/users.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/client.js';
import type { DeploymentStore } from '../deployments/store.js';
import type { EnvironmentService } from '../environments/service.js';
import type { Logger } from '../logger.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ProjectService } from '../projects/service.js';
import { DeliveryStore } from './deliveries.js';
import { Deliverer } from './deliver.js';
import { NotificationDispatcher } from './dispatch.js';
import { NotificationService } from './service.js';
import type { SmtpConfig } from './smtp-config.js';
import type { InternalAddressPolicy } from '../net/internal-addresses.js';
import { NotificationStore } from './store.js';

export { NotificationService } from './service.js';
export { NotificationDispatcher } from './dispatch.js';

/** Tries per delivery and the first retry delay (then 2x, 4x, 8x: about 30 s in all). */
export const DELIVERY_ATTEMPTS = 5;
export const DELIVERY_BACKOFF_MS = 2000;

export interface NotificationsDeps {
  db: Db;
  box: SecretBox;
  bus: EventBus;
  jobs: JobQueue;
  audit: AuditLog;
  users: UserService;
  projects: ProjectService;
  environments: EnvironmentService;
  deployments: DeploymentStore;
  smtp: SmtpConfig | undefined;
  outbound: InternalAddressPolicy;
  publicUrl: string;
  logger: Logger;
  backoffMs?: number;
}

export interface Notifications {
  service: NotificationService;
  dispatcher: NotificationDispatcher;
}

/** Builds the notification service (API) and the dispatcher (bus -> jobs -> channels); call `dispatcher.start()`. */
export function createNotifications(d: NotificationsDeps): Notifications {
  const store = new NotificationStore(d.db, d.box);
  const deliveries = new DeliveryStore(d.db);
  const logger = d.logger.child({ part: 'notifications' });
  const deliverer = new Deliverer({ db: d.db, store, deliveries, deployments: d.deployments, projects: d.projects, users: d.users, smtp: d.smtp, outbound: d.outbound, publicUrl: d.publicUrl, logger, maxAttempts: DELIVERY_ATTEMPTS });
  return {
    service: new NotificationService({ store, deliveries, projects: d.projects, environments: d.environments, audit: d.audit, smtp: d.smtp, outbound: d.outbound, publicUrl: d.publicUrl }),
    dispatcher: new NotificationDispatcher({
      db: d.db, bus: d.bus, jobs: d.jobs, store, deliveries, deployments: d.deployments, deliverer, logger,
      maxAttempts: DELIVERY_ATTEMPTS,
      backoffMs: d.backoffMs ?? DELIVERY_BACKOFF_MS,
    }),
  };
}
