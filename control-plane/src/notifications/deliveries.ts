import { newId } from '../crypto/random.js';
import type { Db } from '../db/client.js';
import type { NotificationEvent } from './events.js';
import type { ChannelType, Delivery, DeliveryStatus } from './types.js';

export interface DeliveryKey {
  notificationId: string;
  projectId: string;
  deploymentId: string;
  event: NotificationEvent;
}

function toDelivery(r: Record<string, unknown>): Delivery {
  return {
    id: String(r.id),
    notificationId: String(r.notification_id),
    notificationName: String(r.name ?? ''),
    channel: String(r.channel_type ?? '') as ChannelType,
    deploymentId: String(r.deployment_id),
    event: String(r.event) as NotificationEvent,
    status: String(r.status) as DeliveryStatus,
    attempts: Number(r.attempts),
    lastError: r.last_error === null ? null : String(r.last_error),
    responseStatus: r.response_status === null ? null : Number(r.response_status),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    sentAt: r.sent_at === null ? null : Number(r.sent_at),
  };
}

const SELECT = 'SELECT d.*, n.name, n.channel_type FROM notification_deliveries d LEFT JOIN notifications n ON n.id = d.notification_id';

/**
 * The `notification_deliveries` table: history for the API, and the once-only guard. The row
 * is unique per (deployment, event, notification), so of all instances that see one bus event
 * only the one whose insert lands sends.
 */
export class DeliveryStore {
  constructor(private readonly db: Db) {}

  /** A new delivery's id, or null when this (deployment, event, notification) already has one. */
  async claim(k: DeliveryKey): Promise<string | null> {
    const now = Date.now();
    const rs = await this.db.execute({
      sql: `INSERT INTO notification_deliveries (id, notification_id, project_id, deployment_id, event, status, attempts, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (deployment_id, event, notification_id) DO NOTHING RETURNING id`,
      args: [newId('ndl'), k.notificationId, k.projectId, k.deploymentId, k.event, now, now],
    });
    return rs.rows[0] ? String(rs.rows[0].id) : null;
  }

  async find(id: string): Promise<Delivery | null> {
    const row = (await this.db.execute({ sql: `${SELECT} WHERE d.id = ?`, args: [id] })).rows[0];
    return row ? toDelivery(row) : null;
  }

  /** Counts a try before it is made (so a crash mid-send still counts); returns the new count. */
  async startAttempt(id: string): Promise<number> {
    const rs = await this.db.execute({ sql: 'UPDATE notification_deliveries SET attempts = attempts + 1, updated_at = ? WHERE id = ? RETURNING attempts', args: [Date.now(), id] });
    return Number(rs.rows[0]?.attempts ?? 0);
  }

  async sent(id: string, responseStatus: number | null): Promise<void> {
    const now = Date.now();
    await this.db.execute({
      sql: "UPDATE notification_deliveries SET status = 'sent', last_error = NULL, response_status = ?, sent_at = ?, updated_at = ? WHERE id = ?",
      args: [responseStatus, now, now, id],
    });
  }

  async failed(id: string, status: Extract<DeliveryStatus, 'retrying' | 'failed'>, error: string, responseStatus: number | null): Promise<void> {
    await this.db.execute({
      sql: 'UPDATE notification_deliveries SET status = ?, last_error = ?, response_status = ?, updated_at = ? WHERE id = ?',
      args: [status, error, responseStatus, Date.now(), id],
    });
  }

  /** Deliveries not finished yet (pending or retrying), created after `since`: re-queued at boot. */
  async open(since: number): Promise<Delivery[]> {
    const rs = await this.db.execute({ sql: `${SELECT} WHERE d.status IN ('pending', 'retrying') AND d.created_at >= ? ORDER BY d.created_at`, args: [since] });
    return rs.rows.map(toDelivery);
  }

  async list(projectId: string, options: { limit: number; notificationId?: string | undefined; deploymentId?: string | undefined }): Promise<Delivery[]> {
    const where = ['d.project_id = ?'];
    const args: (string | number)[] = [projectId];
    if (options.notificationId) (where.push('d.notification_id = ?'), args.push(options.notificationId));
    if (options.deploymentId) (where.push('d.deployment_id = ?'), args.push(options.deploymentId));
    const rs = await this.db.execute({ sql: `${SELECT} WHERE ${where.join(' AND ')} ORDER BY d.created_at DESC, d.id LIMIT ?`, args: [...args, options.limit] });
    return rs.rows.map(toDelivery);
  }
}
