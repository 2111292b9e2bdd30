import { Hono } from 'hono';
import type { Services } from '../services.js';
import { EnrollRequest } from '../servers/types.js';
import { readJson, type AppEnv } from './env.js';

/** /agent/enroll: unauthenticated by design; the single-use token is the credential. */
export function agentEnrollApi(s: Services) {
  return new Hono<AppEnv>().post('/enroll', async (c) => c.json(await s.enroll.enroll(await readJson(c, EnrollRequest))));
}
