import { Hono } from 'hono';
import { z } from 'zod';
import { rotateSecretKey } from '../crypto/rotate-key.js';
import type { Services } from '../services.js';
import { readJson, type AppEnv } from './env.js';
import { currentUser, requireRole } from './middleware.js';

/** 32 bytes as base64 (44 characters) or hex (64), like DEVFLOW_SECRET_KEY. */
const NewKey = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const buf = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
    if (buf.length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)' });
      return z.NEVER;
    }
    return buf;
  });
export const RotateKey = z.object({ newKey: NewKey.optional() }).strict();

/** /api/admin: instance-wide operations (admins only). */
export function adminApi(s: Services) {
  return new Hono<AppEnv>()
    .use('*', requireRole('admin'))
    .post('/rotate-key', async (c) => {
      const input = await readJson(c, RotateKey);
      const result = await rotateSecretKey(s.db, s.box, { dataDir: s.config.dataDir, keyFromEnv: s.config.secretKey !== undefined, ...(input.newKey ? { newKey: input.newKey } : {}) });
      await s.audit.record(currentUser(c).id, 'secret_key.rotate', null, { resealed: result.resealed, keyFile: result.keyFile !== null });
      const note = result.keyFile
        ? `every secret is sealed with the new key in ${result.keyFile}; the old key opens nothing any more`
        : 'every secret is sealed with the new key; set DEVFLOW_SECRET_KEY to it on every instance before their next start (other running instances keep the old key until restarted)';
      return c.json({ rotated: true, resealed: result.resealed, keyFile: result.keyFile, note });
    });
}
