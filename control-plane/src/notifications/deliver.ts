import type { UserService } from '../auth/users.js';
import type { DeploymentStore } from '../deployments/store.js';
import type { Logger } from '../logger.js';
import type { Job } from '../ports/job-queue.js';
import { UnrecoverableJobError } from '../ports/job-queue.js';
import type { ProjectService } from '../projects/service.js';
import { assertChannelTarget, ChannelError, createChannel } from './channels/index.js';
import type { InternalAddressPolicy } from '../net/internal-addresses.js';
import { deploymentContext } from './context.js';
import type { DeliveryStore } from './deliveries.js';
import { buildMessage } from './message.js';
import { matchRule } from './rules.js';
import type { SmtpConfig } from './smtp-config.js';
import type { NotificationStore } from './store.js';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';

export const DELIVER_JOB = 'notification.deliver';
export type DeliverJobData = { deliveryId: string };

export interface DelivererDeps {
  db: Db;
  store: NotificationStore;
  deliveries: DeliveryStore;
  deployments: DeploymentStore;
  projects: ProjectService;
  users: UserService;
  smtp: SmtpConfig | undefined;
  /** Checked again at every send: the name may resolve elsewhere than when the channel was saved. */
  outbound: InternalAddressPolicy;
  publicUrl: string;
  logger: Logger;
  /** Tries in all, counted in the database (so a re-queue at boot does not start over). */
  maxAttempts: number;
}

/**
 * The job handler: re-reads the delivery, renders the message from the deployment as it is
 * now, and sends it. Idempotent: a delivery already sent or given up is left alone.
 */
export class Deliverer {
  constructor(private readonly d: DelivererDeps) {}

  readonly handle = async (job: Job<DeliverJobData>): Promise<void> => {
    const delivery = await this.d.deliveries.find(job.data.deliveryId);
    if (!delivery || delivery.status === 'sent' || delivery.status === 'failed') return;
    const notification = await this.d.store.find(delivery.notificationId);
    const deployment = await this.d.deployments.find(delivery.deploymentId);
    if (!notification || !deployment) {
      await this.d.deliveries.failed(delivery.id, 'failed', notification ? 'the deployment no longer exists' : 'the notification was deleted', null);
      return;
    }
    const attempt = await this.d.deliveries.startAttempt(delivery.id);
    try {
      const [project, environmentName, user] = await Promise.all([
        this.d.projects.get(deployment.projectId),
        this.environmentName(deployment.environmentId),
        deployment.userId ? this.d.users.get(deployment.userId) : null,
      ]);
      const context = deploymentContext({ event: delivery.event, deployment, projectName: project.name, environmentName, triggeredBy: user?.email ?? null, publicUrl: this.d.publicUrl });
      const rule = matchRule(notification.rules, delivery.event, environmentName);
      const message = buildMessage({ event: delivery.event, deliveryId: delivery.id, context, template: rule?.template ?? null });
      await assertChannelTarget(this.d.outbound, notification.config);
      const reply = await createChannel(notification.config, this.d.smtp).send(message);
      await this.d.deliveries.sent(delivery.id, reply.status);
    } catch (err) {
      // A configuration problem (e.g. SMTP no longer configured) is an AppError: retrying cannot fix it.
      const retryable = err instanceof ChannelError ? err.retryable : !(err instanceof AppError);
      const final = !retryable || attempt >= this.d.maxAttempts;
      const text = err instanceof Error ? err.message : String(err);
      await this.d.deliveries.failed(delivery.id, final ? 'failed' : 'retrying', text, err instanceof ChannelError ? err.status : null);
      this.d.logger.warn('notification not delivered', { deliveryId: delivery.id, channel: notification.config.type, attempt, final, error: text });
      if (final) throw new UnrecoverableJobError(text, { cause: err });
      throw err;
    }
  };

  private async environmentName(id: string): Promise<string> {
    const row = (await this.d.db.execute({ sql: 'SELECT name FROM environments WHERE id = ?', args: [id] })).rows[0];
    return row ? String(row.name) : id;
  }
}
