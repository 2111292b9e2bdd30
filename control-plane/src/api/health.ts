import { Hono } from 'hono';
import type { Db } from '../db/client.js';
import type { AppEnv } from './env.js';

export const VERSION = '0.1.0';

/**
 * GET /healthz: liveness plus a database round trip (503 when the database does not answer).
 * `instance` says which control-plane process answered (behind a load balancer; the id in
 * `deployments.claimed_by`).
 */
export function healthApi(db: Db, instance?: string) {
  return new Hono<AppEnv>().get('/healthz', async (c) => {
    try {
      await db.execute('SELECT 1');
      return c.json({ status: 'ok', db: 'ok', version: VERSION, ...(instance ? { instance } : {}) });
    } catch {
      return c.json({ status: 'degraded', db: 'unreachable', version: VERSION, ...(instance ? { instance } : {}) }, 503);
    }
  });
}
