import type { Db } from '../db/client.js';
import type { Provider } from './types.js';

/** How long a delivery id is remembered (a replay within this window is ignored). */
export const DELIVERY_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** `deployed`: deployments were requested (see each one's status); `skipped`: every one was recorded skipped (lock, already live). */
export type DeliveryOutcome = 'processing' | 'deployed' | 'skipped' | 'ignored' | 'pong' | 'failed';

export interface DeliveryDeployment {
  environment: string;
  deploymentId: string | null;
  status: string | null;
  reason: string | null;
}

export interface Delivery {
  provider: Provider;
  deliveryId: string;
  event: string;
  branch: string | null;
  sha: string | null;
  outcome: DeliveryOutcome;
  detail: string | null;
  deployments: DeliveryDeployment[];
  receivedAt: number;
}

/** The `webhook_deliveries` table: replay protection and the console's delivery history. */
export class DeliveryStore {
  constructor(
    private readonly db: Db,
    private readonly retentionMs = DELIVERY_RETENTION_MS,
  ) {}

  /**
   * Record a verified delivery as `processing`. `duplicateOf` is null when it is new, else the
   * delivery id seen before with this id or with the same body (a replay under a fresh id).
   */
  async claim(projectId: string, d: Pick<Delivery, 'provider' | 'deliveryId' | 'event' | 'branch' | 'sha'> & { payloadHash: string }): Promise<{ duplicateOf: string | null }> {
    const now = Date.now();
    await this.db.execute({ sql: 'DELETE FROM webhook_deliveries WHERE project_id = ? AND received_at < ?', args: [projectId, now - this.retentionMs] });
    const rs = await this.db.execute({
      sql: `INSERT INTO webhook_deliveries (project_id, provider, delivery_id, event, branch, sha, outcome, received_at, payload_hash)
            VALUES (?, ?, ?, ?, ?, ?, 'processing', ?, ?) ON CONFLICT DO NOTHING`,
      args: [projectId, d.provider, d.deliveryId, d.event, d.branch, d.sha, now, d.payloadHash],
    });
    if (rs.rowsAffected > 0) return { duplicateOf: null };
    const seen = await this.db.execute({
      sql: `SELECT delivery_id FROM webhook_deliveries WHERE project_id = ? AND ((provider = ? AND delivery_id = ?) OR payload_hash = ?)
            ORDER BY (delivery_id = ?) DESC LIMIT 1`,
      args: [projectId, d.provider, d.deliveryId, d.payloadHash, d.deliveryId],
    });
    return { duplicateOf: seen.rows[0] ? String(seen.rows[0].delivery_id) : d.deliveryId };
  }

  async settle(projectId: string, provider: Provider, deliveryId: string, outcome: DeliveryOutcome, detail: string | null, deployments: DeliveryDeployment[] = []): Promise<void> {
    await this.db.execute({
      sql: 'UPDATE webhook_deliveries SET outcome = ?, detail = ?, deployments = ? WHERE project_id = ? AND provider = ? AND delivery_id = ?',
      args: [outcome, detail, JSON.stringify(deployments), projectId, provider, deliveryId],
    });
  }

  /** Newest first; each requested deployment carries its status now (recorded: as requested, e.g. `queued` long after it succeeded). */
  async list(projectId: string, limit = 50): Promise<Delivery[]> {
    const rs = await this.db.execute({
      sql: 'SELECT * FROM webhook_deliveries WHERE project_id = ? ORDER BY received_at DESC, rowid DESC LIMIT ?',
      args: [projectId, limit],
    });
    const deliveries = rs.rows.map((r) => ({
      provider: String(r.provider) as Provider,
      deliveryId: String(r.delivery_id),
      event: String(r.event),
      branch: r.branch === null ? null : String(r.branch),
      sha: r.sha === null ? null : String(r.sha),
      outcome: String(r.outcome) as DeliveryOutcome,
      detail: r.detail === null ? null : String(r.detail),
      deployments: JSON.parse(String(r.deployments)) as DeliveryDeployment[],
      receivedAt: Number(r.received_at),
    }));
    const ids = [...new Set(deliveries.flatMap((d) => d.deployments.map((x) => x.deploymentId).filter((id): id is string => id !== null)))];
    if (ids.length === 0) return deliveries;
    const now = await this.db.execute({ sql: `SELECT id, status, reason FROM deployments WHERE id IN (${ids.map(() => '?').join(',')})`, args: ids });
    const current = new Map(now.rows.map((r) => [String(r.id), { status: String(r.status), reason: r.reason === null ? null : String(r.reason) }]));
    // A deployment deleted with its project keeps what was recorded.
    return deliveries.map((d) => ({ ...d, deployments: d.deployments.map((x) => ({ ...x, ...(x.deploymentId ? current.get(x.deploymentId) : undefined) })) }));
  }
}
