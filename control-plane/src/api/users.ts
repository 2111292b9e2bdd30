import { Hono } from 'hono';
import { z } from 'zod';
import { EmailAddress } from '../auth/email.js';
import { ROLES } from '../auth/users.js';
import type { Services } from '../services.js';
import { readJson, type AppEnv } from './env.js';
import { currentUser, requireRole } from './middleware.js';

const CreateUser = z.object({
  email: EmailAddress,
  password: z.string().min(12, 'must be at least 12 characters').max(1024),
  role: z.enum(ROLES),
});

/** /api/users: admins list and create users with roles. */
export function usersApi(s: Services) {
  return new Hono<AppEnv>()
    .use('*', requireRole('admin'))
    .get('/', async (c) => c.json({ users: await s.users.list() }))
    .post('/', async (c) => {
      const input = await readJson(c, CreateUser);
      const user = await s.users.create(input.email, input.password, input.role);
      await s.audit.record(currentUser(c).id, 'user.create', user.id, { email: user.email, role: user.role });
      return c.json({ user }, 201);
    });
}
