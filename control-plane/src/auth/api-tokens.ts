import type { Db } from '../db/client.js';
import { notFound } from '../errors.js';
import { newId, randomToken, sha256 } from '../crypto/random.js';
import type { SessionUser } from './sessions.js';
import type { Role } from './users.js';

/** Recognisable prefix so secret scanners and humans can tell what leaked. */
const PREFIX = 'dft_';

export interface ApiTokenInfo {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** Epoch ms after which the token is refused; null = never expires. */
  expiresAt: number | null;
}

const DAY_MS = 24 * 3600 * 1000;

/** API tokens for the CLI and CI: shown once, stored as SHA-256, sent as `Authorization: Bearer`. */
export class ApiTokenService {
  constructor(private readonly db: Db) {}

  /** `expiresInDays` undefined: the token never expires (a CI secret should expire; the console proposes 90 days). */
  async create(userId: string, name: string, expiresInDays?: number): Promise<{ id: string; token: string; expiresAt: number | null }> {
    const id = newId('tok');
    const token = `${PREFIX}${randomToken()}`;
    const now = Date.now();
    const expiresAt = expiresInDays === undefined ? null : now + expiresInDays * DAY_MS;
    await this.db.execute({
      sql: 'INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      args: [id, userId, name, sha256(token), now, expiresAt],
    });
    return { id, token, expiresAt };
  }

  async list(userId: string): Promise<ApiTokenInfo[]> {
    const rs = await this.db.execute({
      sql: 'SELECT id, name, created_at, last_used_at, expires_at FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at',
      args: [userId],
    });
    return rs.rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      createdAt: Number(r.created_at),
      lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    }));
  }

  /** Revoke one token of `ownerId` (admin user management: any user's). */
  async revokeOf(ownerId: string, id: string): Promise<void> {
    const rs = await this.db.execute({ sql: 'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL', args: [Date.now(), id, ownerId] });
    if (rs.rowsAffected === 0) throw notFound('token', id);
  }

  /** Revoke one of the user's tokens (admins may revoke anyone's). */
  async revoke(user: SessionUser, id: string): Promise<void> {
    const rs = await this.db.execute({
      sql: `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL ${user.role === 'admin' ? '' : 'AND user_id = ?'}`,
      args: user.role === 'admin' ? [Date.now(), id] : [Date.now(), id, user.id],
    });
    if (rs.rowsAffected === 0) throw notFound('token', id);
  }

  async resolve(token: string): Promise<SessionUser | null> {
    if (!token.startsWith(PREFIX)) return null;
    const hash = sha256(token);
    const rs = await this.db.execute({
      sql: `SELECT u.id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?) AND u.disabled = 0`,
      args: [hash, Date.now()],
    });
    const row = rs.rows[0];
    if (!row) return null;
    await this.db.execute({ sql: 'UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?', args: [Date.now(), hash] });
    return { id: String(row.id), email: String(row.email), role: String(row.role) as Role };
  }
}
