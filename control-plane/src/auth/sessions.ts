import type { Db } from '../db/client.js';
import { randomToken, sha256 } from '../crypto/random.js';
import type { Role } from './users.js';

export const SESSION_COOKIE = 'devflow_session';
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
/** Sliding expiry is written at most this often, so every request is not a db write. */
const REFRESH_EVERY_MS = 10 * 60 * 1000;

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
}

/** Browser sessions: a random id in an HttpOnly cookie; only its SHA-256 is stored. */
export class SessionService {
  constructor(private readonly db: Db) {}

  async create(userId: string): Promise<{ id: string; expiresAt: number }> {
    const id = randomToken();
    const now = Date.now();
    await this.db.execute({
      sql: 'INSERT INTO sessions (id_hash, user_id, created_at, expires_at, refreshed_at) VALUES (?, ?, ?, ?, ?)',
      args: [sha256(id), userId, now, now + SESSION_TTL_MS, now],
    });
    return { id, expiresAt: now + SESSION_TTL_MS };
  }

  /** The session's user, or null when unknown/expired. Extends the expiry (sliding). */
  async resolve(id: string): Promise<{ user: SessionUser; expiresAt: number; refreshed: boolean } | null> {
    const rs = await this.db.execute({
      sql: `SELECT s.expires_at, s.refreshed_at, u.id, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.id_hash = ? AND u.disabled = 0`,
      args: [sha256(id)],
    });
    const row = rs.rows[0];
    const now = Date.now();
    if (!row || Number(row.expires_at) <= now) return null;
    const user = { id: String(row.id), email: String(row.email), role: String(row.role) as Role };
    if (now - Number(row.refreshed_at) < REFRESH_EVERY_MS) return { user, expiresAt: Number(row.expires_at), refreshed: false };
    const expiresAt = now + SESSION_TTL_MS;
    await this.db.execute({
      sql: 'UPDATE sessions SET expires_at = ?, refreshed_at = ? WHERE id_hash = ?',
      args: [expiresAt, now, sha256(id)],
    });
    return { user, expiresAt, refreshed: true };
  }

  async destroy(id: string): Promise<void> {
    await this.db.execute({ sql: 'DELETE FROM sessions WHERE id_hash = ?', args: [sha256(id)] });
  }

  async purgeExpired(): Promise<void> {
    await this.db.execute({ sql: 'DELETE FROM sessions WHERE expires_at <= ?', args: [Date.now()] });
  }
}
