import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';

export const LOGIN_MAX_FAILURES = 10;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

/**
 * Login throttling per email + client address, kept in the database so it holds across
 * instances: after 10 failures within 15 minutes, further attempts get 429 until the oldest
 * failure leaves the window.
 */
export class LoginRateLimiter {
  constructor(
    private readonly db: Db,
    private readonly max = LOGIN_MAX_FAILURES,
    private readonly windowMs = LOGIN_WINDOW_MS,
  ) {}

  private key = (email: string, ip: string): string => `${email.toLowerCase()}|${ip}`;

  /** Throws RATE_LIMITED (with retryAfterSeconds) when the caller is over the limit. */
  async check(email: string, ip: string): Promise<void> {
    const now = Date.now();
    const rs = await this.db.execute({
      sql: 'SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures WHERE key = ? AND at > ?',
      args: [this.key(email, ip), now - this.windowMs],
    });
    const n = Number(rs.rows[0]?.n ?? 0);
    if (n < this.max) return;
    const retryAfterSeconds = Math.max(1, Math.ceil((Number(rs.rows[0]?.oldest) + this.windowMs - now) / 1000));
    throw new AppError('RATE_LIMITED', `too many failed logins; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    const now = Date.now();
    await this.db.batch(
      [
        { sql: 'INSERT INTO login_failures (key, at) VALUES (?, ?)', args: [this.key(email, ip), now] },
        { sql: 'DELETE FROM login_failures WHERE at <= ?', args: [now - this.windowMs] },
      ],
      'write',
    );
  }

  async reset(email: string, ip: string): Promise<void> {
    await this.db.execute({ sql: 'DELETE FROM login_failures WHERE key = ?', args: [this.key(email, ip)] });
  }
}
