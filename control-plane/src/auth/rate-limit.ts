import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';

export const LOGIN_MAX_FAILURES = 10;
/** Failures from one client address across all accounts (password spraying over many emails). */
export const LOGIN_MAX_FAILURES_PER_ADDRESS = 30;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

/**
 * Login throttling, kept in the database so it holds across instances: after 10 failures for one
 * email from one client address, or 30 failures from one address over any emails, within 15
 * minutes, further attempts get 429 (Retry-After) until the oldest failure leaves the window. A
 * successful login clears only its own email's count: logging into one's own account does not
 * reset the address's count.
 */
export class LoginRateLimiter {
  constructor(
    private readonly db: Db,
    private readonly max = LOGIN_MAX_FAILURES,
    private readonly windowMs = LOGIN_WINDOW_MS,
    private readonly maxPerAddress = LOGIN_MAX_FAILURES_PER_ADDRESS,
  ) {}

  private key = (email: string, ip: string): string => `${email.toLowerCase()}|${ip}`;
  /** Emails cannot contain a leading "|", so this never meets an email key. */
  private addressKey = (ip: string): string => `|address|${ip}`;

  /** Throws RATE_LIMITED (with retryAfterSeconds) when the caller is over a limit. */
  async check(email: string, ip: string): Promise<void> {
    await this.checkKey(this.key(email, ip), this.max, 'too many failed logins for this account');
    await this.checkKey(this.addressKey(ip), this.maxPerAddress, 'too many failed logins from your address');
  }

  private async checkKey(key: string, max: number, what: string): Promise<void> {
    const now = Date.now();
    const rs = await this.db.execute({ sql: 'SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures WHERE key = ? AND at > ?', args: [key, now - this.windowMs] });
    const n = Number(rs.rows[0]?.n ?? 0);
    if (n < max) return;
    const retryAfterSeconds = Math.max(1, Math.ceil((Number(rs.rows[0]?.oldest) + this.windowMs - now) / 1000));
    throw new AppError('RATE_LIMITED', `${what}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    const now = Date.now();
    await this.db.batch(
      [
        { sql: 'INSERT INTO login_failures (key, at) VALUES (?, ?)', args: [this.key(email, ip), now] },
        { sql: 'INSERT INTO login_failures (key, at) VALUES (?, ?)', args: [this.addressKey(ip), now] },
        { sql: 'DELETE FROM login_failures WHERE at <= ?', args: [now - this.windowMs] },
      ],
      'write',
    );
  }

  async reset(email: string, ip: string): Promise<void> {
    await this.db.execute({ sql: 'DELETE FROM login_failures WHERE key = ?', args: [this.key(email, ip)] });
  }
}
