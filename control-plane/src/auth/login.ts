import type { AuditLog } from '../audit/audit.js';
import { AppError } from '../errors.js';
import { verifyPassword } from './password.js';
import type { LoginRateLimiter } from './rate-limit.js';
import type { SessionService } from './sessions.js';
import { publicUser, type User, type UserService } from './users.js';

/** A fixed hash for unknown emails, so a login costs the same whether the account exists or not. */
const DUMMY_HASH = ['scrypt', 15, 8, 1, Buffer.alloc(16).toString('base64'), Buffer.alloc(32).toString('base64')].join('$');

export class LoginService {
  constructor(
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly limiter: LoginRateLimiter,
    private readonly audit: AuditLog,
  ) {}

  async login(email: string, password: string, ip: string): Promise<{ user: User; sessionId: string; expiresAt: number }> {
    await this.limiter.check(email, ip);
    const user = await this.users.findByEmail(email);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabled) {
      await this.limiter.recordFailure(email, ip);
      await this.audit.record('anonymous', 'auth.login_failed', null, { email: email.toLowerCase(), ip });
      throw new AppError('INVALID_CREDENTIALS', 'wrong email or password');
    }
    await this.limiter.reset(email, ip);
    const session = await this.sessions.create(user.id);
    await this.audit.record(user.id, 'auth.login', user.id, { ip });
    return { user: publicUser(user), sessionId: session.id, expiresAt: session.expiresAt };
  }
}
