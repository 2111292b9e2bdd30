import { Hono } from 'hono';
import { z } from 'zod';
import { EmailAddress } from '../auth/email.js';
import { NewPassword } from '../auth/password-policy.js';
import { ROLES } from '../auth/users.js';
import type { Services } from '../services.js';
import { readJson, type AppEnv } from './env.js';
import { currentUser, requireRole } from './middleware.js';

const CreateUser = z.object({ email: EmailAddress, password: NewPassword, role: z.enum(ROLES) }).strict();
export const UpdateUser = z
  .object({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((v) => v.role !== undefined || v.disabled !== undefined, 'give role and/or disabled');
export const ResetPassword = z.object({ password: NewPassword }).strict();

/**
 * /api/users: admins manage users (action `user.manage` in auth/actions.ts): list, create, change
 * role, disable/enable, delete, reset a password, list and revoke anyone's API tokens. Every change
 * is audited.
 */
export function usersApi(s: Services) {
  return new Hono<AppEnv>()
    .use('*', requireRole('admin'))
    .get('/', async (c) => c.json({ users: await s.users.list() }))
    .post('/', async (c) => {
      const input = await readJson(c, CreateUser);
      const user = await s.users.create(input.email, input.password, input.role);
      await s.audit.record(currentUser(c).id, 'user.create', user.id, { email: user.email, role: user.role });
      return c.json({ user }, 201);
    })
    .patch('/:id', async (c) => {
      const patch = await readJson(c, UpdateUser);
      const before = await s.users.require(c.req.param('id'));
      const user = await s.users.update(currentUser(c).id, before.id, patch);
      await s.audit.record(currentUser(c).id, 'user.update', user.id, { email: user.email, from: { role: before.role, disabled: before.disabled }, to: { role: user.role, disabled: user.disabled } });
      return c.json({ user });
    })
    .delete('/:id', async (c) => {
      const user = await s.users.remove(currentUser(c).id, c.req.param('id'));
      await s.audit.record(currentUser(c).id, 'user.delete', user.id, { email: user.email, role: user.role });
      return c.body(null, 204);
    })
    .post('/:id/password', async (c) => {
      const { password } = await readJson(c, ResetPassword);
      const user = await s.users.require(c.req.param('id'));
      await s.users.setPassword(user.id, password);
      await s.audit.record(currentUser(c).id, 'user.password_reset', user.id, { email: user.email });
      return c.json({ ok: true, sessionsEnded: true });
    })
    .get('/:id/tokens', async (c) => {
      const user = await s.users.require(c.req.param('id'));
      return c.json({ tokens: await s.apiTokens.list(user.id) });
    })
    .delete('/:id/tokens/:tokenId', async (c) => {
      const user = await s.users.require(c.req.param('id'));
      await s.apiTokens.revokeOf(user.id, c.req.param('tokenId'));
      await s.audit.record(currentUser(c).id, 'token.revoke', c.req.param('tokenId'), { user: user.id, email: user.email });
      return c.body(null, 204);
    });
}
