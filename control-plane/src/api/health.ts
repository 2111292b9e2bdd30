import { Hono } from 'hono';
import type { Db } from '../db/client.js';
import type { AppEnv } from './env.js';

export const VERSION = '0.1.0';

/** GET /healthz: liveness plus a database round trip (503 when the database does not answer). */
export function healthApi(db: Db) {
  return new Hono<AppEnv>().get('/healthz', async (c) => {
    try {
      await db.execute('SELECT 1');
      return c.json({ status: 'ok', db: 'ok', version: VERSION });
    } catch {
      return c.json({ status: 'degraded', db: 'unreachable', version: VERSION }, 503);
    }
  });
}
