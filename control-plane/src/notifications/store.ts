import type { SecretBox } from '../crypto/secret-box.js';
import { newId } from '../crypto/random.js';
import type { Db } from '../db/client.js';
import { notFound } from '../errors.js';
import { hostOf } from './channels/channel.js';
import type { ChannelConfig, Notification, PublicChannel, Rule } from './types.js';

/** A notification with its channel configuration opened (secrets included): never leaves the server. */
export interface StoredNotification extends Notification {
  config: ChannelConfig;
}

export interface NotificationFields {
  name: string;
  enabled: boolean;
  channel: ChannelConfig;
  rules: Rule[];
}

const context = (id: string) => `notification:${id}`;

/** What the API shows: recipients and hosts, never webhook paths, tokens or keys. */
export function publicChannel(c: ChannelConfig): PublicChannel {
  switch (c.type) {
    case 'email':
      return { type: 'email', to: c.to };
    case 'slack':
    case 'discord':
      return { type: c.type, host: hostOf(c.webhookUrl) };
    case 'teams':
      return { type: 'teams', host: hostOf(c.webhookUrl), format: c.format };
    case 'sms':
      return { type: 'sms', host: hostOf(c.url), method: c.method, contentType: c.contentType, authHeaderName: c.authHeaderName, authHeader: Boolean(c.authHeader), body: c.body, to: c.to };
    case 'webhook':
      return { type: 'webhook', host: hostOf(c.url), secret: true };
  }
}

/** The `notifications` table; the channel configuration is sealed at rest (AES-256-GCM). */
export class NotificationStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  async insert(projectId: string, f: NotificationFields): Promise<StoredNotification> {
    const id = newId('ntf');
    const now = Date.now();
    await this.db.execute({
      sql: 'INSERT INTO notifications (id, project_id, name, channel_type, channel_enc, rules, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      args: [id, projectId, f.name, f.channel.type, this.box.seal(JSON.stringify(f.channel), context(id)), JSON.stringify(f.rules), f.enabled ? 1 : 0, now, now],
    });
    return this.get(projectId, id);
  }

  async update(projectId: string, id: string, f: NotificationFields): Promise<StoredNotification> {
    await this.db.execute({
      sql: 'UPDATE notifications SET name = ?, channel_type = ?, channel_enc = ?, rules = ?, enabled = ?, updated_at = ? WHERE id = ? AND project_id = ?',
      args: [f.name, f.channel.type, this.box.seal(JSON.stringify(f.channel), context(id)), JSON.stringify(f.rules), f.enabled ? 1 : 0, Date.now(), id, projectId],
    });
    return this.get(projectId, id);
  }

  async remove(projectId: string, id: string): Promise<boolean> {
    const rs = await this.db.execute({ sql: 'DELETE FROM notifications WHERE id = ? AND project_id = ?', args: [id, projectId] });
    return rs.rowsAffected > 0;
  }

  async find(id: string): Promise<StoredNotification | null> {
    const row = (await this.db.execute({ sql: 'SELECT * FROM notifications WHERE id = ?', args: [id] })).rows[0];
    return row ? this.hydrate(row) : null;
  }

  async get(projectId: string, id: string): Promise<StoredNotification> {
    const n = await this.find(id);
    if (!n || n.projectId !== projectId) throw notFound('notification', id);
    return n;
  }

  async list(projectId: string, onlyEnabled = false): Promise<StoredNotification[]> {
    const rs = await this.db.execute({
      sql: `SELECT * FROM notifications WHERE project_id = ? ${onlyEnabled ? 'AND enabled = 1' : ''} ORDER BY created_at, id`,
      args: [projectId],
    });
    return rs.rows.map((r) => this.hydrate(r));
  }

  private hydrate(r: Record<string, unknown>): StoredNotification {
    const id = String(r.id);
    const config = JSON.parse(this.box.open(String(r.channel_enc), context(id))) as ChannelConfig;
    return {
      id,
      projectId: String(r.project_id),
      name: String(r.name),
      enabled: Number(r.enabled) === 1,
      channel: publicChannel(config),
      rules: JSON.parse(String(r.rules)) as Rule[],
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      config,
    };
  }
}

export const publicNotification = ({ config: _secret, ...n }: StoredNotification): Notification => n;
