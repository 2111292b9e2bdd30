import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/client.js';

const context = (projectId: string) => `project:${projectId}:webhook`;

/**
 * One webhook secret per project, sealed at rest. Hex, so it pastes into every provider's form
 * (GitLab's "Secret token", GitHub's and Bitbucket's "Secret").
 */
export class WebhookSecrets {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /** A new secret replaces the old one at once (deliveries signed with the old one get 401). */
  async rotate(projectId: string, actor: string): Promise<{ secret: string; createdAt: number }> {
    const secret = randomBytes(32).toString('hex');
    const createdAt = Date.now();
    await this.db.execute({
      sql: `INSERT INTO project_webhooks (project_id, secret_enc, created_by, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (project_id) DO UPDATE SET secret_enc = excluded.secret_enc, created_by = excluded.created_by, created_at = excluded.created_at`,
      args: [projectId, this.box.seal(secret, context(projectId)), actor, createdAt],
    });
    return { secret, createdAt };
  }

  async get(projectId: string): Promise<string | null> {
    const row = (await this.db.execute({ sql: 'SELECT secret_enc FROM project_webhooks WHERE project_id = ?', args: [projectId] })).rows[0];
    return row ? this.box.open(String(row.secret_enc), context(projectId)) : null;
  }

  async info(projectId: string): Promise<{ createdAt: number; createdBy: string } | null> {
    const row = (await this.db.execute({ sql: 'SELECT created_at, created_by FROM project_webhooks WHERE project_id = ?', args: [projectId] })).rows[0];
    return row ? { createdAt: Number(row.created_at), createdBy: String(row.created_by) } : null;
  }
}
