import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
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

  async list(): Promise<User[]> {
    const rs = await this.db.execute('SELECT * FROM users ORDER BY created_at');
    return rs.rows.map((r) => publicUser(toUser(r)));
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
