import type { Hono } from 'hono';
import type { AppEnv } from './api/env.js';
import { healthApi } from './api/health.js';
import type { Services } from './services.js';

/** Every resource sub-app, mounted in one place. */
export function mountRoutes(app: Hono<AppEnv>, s: Services): void {
  app.route('/', healthApi(s.db));
}
