import type { Db } from '../db/client.js';
import type { DeploymentStore } from '../deployments/store.js';
import type { DeploymentStatus } from '../deployments/types.js';
import { DEPLOYMENTS_TOPIC } from '../events/topics.js';
import type { Logger } from '../logger.js';
import type { EventBus, Unsubscribe } from '../ports/event-bus.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { DeliveryStore } from './deliveries.js';
import { DELIVER_JOB, type Deliverer, type DeliverJobData } from './deliver.js';
import { eventForStatus, type NotificationEvent } from './events.js';
import { matchRule } from './rules.js';
import type { NotificationStore } from './store.js';

export interface DispatcherDeps {
  db: Db;
  bus: EventBus;
  jobs: JobQueue;
  store: NotificationStore;
  deliveries: DeliveryStore;
  deployments: DeploymentStore;
  deliverer: Deliverer;
  logger: Logger;
  maxAttempts: number;
  /** First retry after this long, then twice as long each time. */
  backoffMs: number;
}

/** Deliveries still open after a restart are re-queued if they are younger than this. */
const RECOVER_WINDOW_MS = 24 * 3600 * 1000;

interface StatusEvent {
  type: 'deployment.status';
  deploymentId: string;
  projectId: string;
  environmentId: string;
  status: DeploymentStatus;
}

const isStatusEvent = (e: unknown): e is StatusEvent =>
  typeof e === 'object' && e !== null && (e as { type?: unknown }).type === 'deployment.status' && typeof (e as { deploymentId?: unknown }).deploymentId === 'string';

/**
 * Turns deployment status events into delivery jobs. Every instance receives every bus event;
 * the delivery row's unique key lets exactly one of them queue the job (and a repeated event
 * none), and the job's dedupe key keeps two tries of one delivery from overlapping.
 */
export class NotificationDispatcher {
  private unsubscribe: Unsubscribe | undefined;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly d: DispatcherDeps) {}

  async start(): Promise<void> {
    this.d.jobs.process<DeliverJobData>(DELIVER_JOB, this.d.deliverer.handle, { concurrency: 4 });
    this.unsubscribe = await this.d.bus.subscribe(DEPLOYMENTS_TOPIC, (event) => {
      if (!isStatusEvent(event)) return;
      const work = this.dispatch(event)
        .catch((err: unknown) => this.d.logger.error('notification dispatch failed', { deploymentId: event.deploymentId, status: event.status, err }))
        .finally(() => this.pending.delete(work));
      this.pending.add(work);
    });
    for (const open of await this.d.deliveries.open(Date.now() - RECOVER_WINDOW_MS)) await this.enqueue(open.id, open.deploymentId, open.event, open.notificationId);
  }

  /** Stop listening; dispatches in flight finish (the job queue is closed by its owner). */
  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
    await Promise.allSettled([...this.pending]);
  }

  /** For one status event: a delivery per matching notification. Exposed for tests. */
  async dispatch(event: StatusEvent): Promise<number> {
    const deployment = await this.d.deployments.find(event.deploymentId);
    if (!deployment) return 0;
    const kind = eventForStatus({ status: event.status, kind: deployment.kind });
    if (!kind) return 0;
    const notifications = await this.d.store.list(event.projectId, true);
    if (notifications.length === 0) return 0;
    const env = (await this.d.db.execute({ sql: 'SELECT name FROM environments WHERE id = ?', args: [event.environmentId] })).rows[0];
    const environment = env ? String(env.name) : '';
    let queued = 0;
    for (const n of notifications) {
      if (!matchRule(n.rules, kind, environment)) continue;
      const id = await this.d.deliveries.claim({ notificationId: n.id, projectId: event.projectId, deploymentId: event.deploymentId, event: kind });
      if (id === null) continue;
      await this.enqueue(id, event.deploymentId, kind, n.id);
      queued++;
    }
    return queued;
  }

  private enqueue(deliveryId: string, deploymentId: string, event: NotificationEvent, notificationId: string): Promise<void> {
    return this.d.jobs.add<DeliverJobData>(DELIVER_JOB, { deliveryId }, {
      jobId: `${deploymentId}:${event}:${notificationId}`,
      attempts: this.d.maxAttempts,
      backoffMs: this.d.backoffMs,
    });
  }
}
