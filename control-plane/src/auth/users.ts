import type { Db } from '../db/client.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../crypto/random.js';
import { hashPassword } from './password.js';

export const ROLES = ['admin', 'maintainer', 'deployer', 'approver', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  email: string;
  role: Role;
  createdAt: number;
}

export interface UserWithHash extends User {
  passwordHash: string;
  disabled: boolean;
}

/** What admins see in the users list. */
export interface ManagedUser extends User {
  disabled: boolean;
}

const toUser = (r: Record<string, unknown>): UserWithHash => ({
  id: String(r.id),
  email: String(r.email),
  role: String(r.role) as Role,
  createdAt: Number(r.created_at),
  passwordHash: String(r.password_hash),
  disabled: Number(r.disabled) === 1,
});

export const publicUser = ({ id, email, role, createdAt }: User): User => ({ id, email, role, createdAt });

export class UserService {
  constructor(private readonly db: Db) {}

  async create(email: string, password: string, role: Role): Promise<User> {
    const user = { id: newId('usr'), email: email.toLowerCase(), role, createdAt: Date.now() };
    const hash = await hashPassword(password);
    try {
      await this.db.execute({
        sql: 'INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)',
        args: [user.id, user.email, hash, role, user.createdAt],
      });
    } catch (err) {
      if (/UNIQUE/.test((err as Error).message)) throw new AppError('CONFLICT', `a user with email ${user.email} already exists`, { email: user.email });
      throw err;
    }
    return user;
  }

  async findByEmail(email: string): Promise<UserWithHash | null> {
    const rs = await this.db.execute({ sql: 'SELECT * FROM users WHERE email = ?', args: [email.toLowerCase()] });
    return rs.rows[0] ? toUser(rs.rows[0]) : null;
  }

  async get(id: string): Promise<UserWithHash | null> {
    const rs = await this.db.execute({ sql: 'SELECT * FROM users WHERE id = ?', args: [id] });
    return rs.rows[0] ? toUser(rs.rows[0]) : null;
  }

  async list(): Promise<ManagedUser[]> {
    const rs = await this.db.execute('SELECT * FROM users ORDER BY created_at');
    return rs.rows.map(toUser).map((u) => ({ ...publicUser(u), disabled: u.disabled }));
  }

  async require(id: string): Promise<UserWithHash> {
    const user = await this.get(id);
    if (!user) throw notFound('user', id);
    return user;
  }

  /**
   * Change a user's role or disable/enable them. Disabling ends their sessions; their API tokens
   * stop resolving at once (tokens and sessions are only honoured for users not disabled). The
   * last enabled admin cannot be demoted or disabled, and nobody changes their own account here.
   */
  async update(actorId: string, id: string, patch: { role?: Role; disabled?: boolean }): Promise<ManagedUser> {
    const user = await this.require(id);
    if (id === actorId) throw new AppError('CONFLICT', 'you cannot change your own role or disable yourself; ask another admin', { id });
    const losesAdmin = user.role === 'admin' && !user.disabled && ((patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true);
    if (losesAdmin) await this.keepOneAdmin(id);
    const role = patch.role ?? user.role;
    const disabled = patch.disabled ?? user.disabled;
    await this.db.batch(
      [
        { sql: 'UPDATE users SET role = ?, disabled = ? WHERE id = ?', args: [role, disabled ? 1 : 0, id] },
        ...(disabled ? [{ sql: 'DELETE FROM sessions WHERE user_id = ?', args: [id] }] : []),
      ],
      'write',
    );
    return { ...publicUser(user), role, disabled };
  }

  /** Delete a user; their sessions and tokens go with them (deployments keep the id they were made by). */
  async remove(actorId: string, id: string): Promise<User> {
    const user = await this.require(id);
    if (id === actorId) throw new AppError('CONFLICT', 'you cannot delete your own account; ask another admin', { id });
    if (user.role === 'admin' && !user.disabled) await this.keepOneAdmin(id);
    await this.db.execute({ sql: 'DELETE FROM users WHERE id = ?', args: [id] });
    return publicUser(user);
  }

  private async keepOneAdmin(leaving: string): Promise<void> {
    const rs = await this.db.execute({ sql: "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND id <> ?", args: [leaving] });
    if (Number(rs.rows[0]?.n ?? 0) === 0) throw new AppError('CONFLICT', 'this is the last enabled admin; make another user admin first', { id: leaving });
  }

  /** New password; the user's sessions end (whoever knew the old password is logged out). */
  async setPassword(id: string, password: string): Promise<void> {
    const hash = await hashPassword(password);
    await this.db.batch(
      [
        { sql: 'UPDATE users SET password_hash = ? WHERE id = ?', args: [hash, id] },
        { sql: 'DELETE FROM sessions WHERE user_id = ?', args: [id] },
      ],
      'write',
    );
  }

  async count(): Promise<number> {
    const rs = await this.db.execute('SELECT COUNT(*) AS n FROM users');
    return Number(rs.rows[0]?.n ?? 0);
  }
}
