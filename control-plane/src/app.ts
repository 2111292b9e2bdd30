import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { AppError, toAppError } from './errors.js';
import type { Logger } from './logger.js';
import type { AppEnv } from './api/env.js';
import { securityHeaders } from './http/security-headers.js';

/**
 * The HTTP application shell: error mapping and 404s. Resource sub-apps are mounted by the
 * caller with `app.route()` (see routes.ts), so this file stays the same as resources grow.
 */
export function createApp(logger: Logger): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', securityHeaders());

  app.onError((err, c) => {
    if (err instanceof ZodError) {
      const issue = err.issues[0];
      const field = issue?.path.length ? issue.path.join('.') : '(body)';
      return c.json({ error: { code: 'VALIDATION_FAILED', message: `${field}: ${issue?.message ?? 'invalid'}`, details: { field } } }, 400);
    }
    if (err instanceof HTTPException && !(err instanceof AppError)) {
      // Hono's own middleware (body limit, malformed JSON) throws these.
      const code = err.status === 413 ? 'PAYLOAD_TOO_LARGE' : err.status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED';
      return c.json({ error: { code, message: err.message || 'bad request' } }, err.status);
    }
    const e = toAppError(err);
    if (e.code === 'INTERNAL') {
      logger.error('request failed', { method: c.req.method, path: c.req.path, err: e.cause ?? e });
    }
    if (e.status === 429 && typeof e.details?.retryAfterSeconds === 'number') c.header('Retry-After', String(e.details.retryAfterSeconds));
    const body = { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
    return c.json({ error: body }, e.status as 400);
  });

  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  return app;
}
