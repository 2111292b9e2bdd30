import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../services.js';
import { readJson, type AppEnv } from './env.js';
import { currentUser, requireAuth } from './middleware.js';

export const CreateToken = z
  .object({
    name: z.string().trim().min(1).max(100),
    /** Whole days until the token is refused (1 to 3650); leave out for a token that never expires. */
    expiresInDays: z.number().int('whole days').min(1).max(3650).optional(),
  })
  .strict();

/** /api/tokens: the caller's API tokens. The token value is returned once, at creation. */
export function tokensApi(s: Services) {
  return new Hono<AppEnv>()
    .use('*', requireAuth)
    .get('/', async (c) => c.json({ tokens: await s.apiTokens.list(currentUser(c).id) }))
    .post('/', async (c) => {
      const user = currentUser(c);
      const { name, expiresInDays } = await readJson(c, CreateToken);
      const created = await s.apiTokens.create(user.id, name, expiresInDays);
      await s.audit.record(user.id, 'token.create', created.id, { name, expiresAt: created.expiresAt });
      return c.json(created, 201);
    })
    .delete('/:id', async (c) => {
      const user = currentUser(c);
      await s.apiTokens.revoke(user, c.req.param('id'));
      await s.audit.record(user.id, 'token.revoke', c.req.param('id'));
      return c.body(null, 204);
    });
}
