import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/client.js';

const context = (environmentId: string, key: string) => `env:${environmentId}:${key}`;

/** Environment variables sealed at rest (AES-256-GCM, bound to their environment and key). */
export class VariableStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  async keys(environmentId: string): Promise<string[]> {
    const rs = await this.db.execute({ sql: 'SELECT key FROM environment_variables WHERE environment_id = ? ORDER BY key', args: [environmentId] });
    return rs.rows.map((r) => String(r.key));
  }

  /** Decrypted values, for the planner only (never for an API response). */
  async values(environmentId: string): Promise<Record<string, string>> {
    const rs = await this.db.execute({ sql: 'SELECT key, value_enc FROM environment_variables WHERE environment_id = ? ORDER BY key', args: [environmentId] });
    return Object.fromEntries(rs.rows.map((r) => [String(r.key), this.box.open(String(r.value_enc), context(environmentId, String(r.key)))]));
  }

  /** Sets and deletes (`null`) in one transaction; returns the keys set and deleted. */
  async apply(environmentId: string, changes: Record<string, string | null>): Promise<{ set: string[]; deleted: string[] }> {
    const now = Date.now();
    const set: string[] = [];
    const deleted: string[] = [];
    const statements = Object.entries(changes).map(([key, value]) => {
      if (value === null) {
        deleted.push(key);
        return { sql: 'DELETE FROM environment_variables WHERE environment_id = ? AND key = ?', args: [environmentId, key] };
      }
      set.push(key);
      return {
        sql: 'INSERT INTO environment_variables (environment_id, key, value_enc, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (environment_id, key) DO UPDATE SET value_enc = excluded.value_enc, updated_at = excluded.updated_at',
        args: [environmentId, key, this.box.seal(value, context(environmentId, key)), now],
      };
    });
    if (statements.length > 0) await this.db.batch(statements, 'write');
    return { set, deleted };
  }
}
