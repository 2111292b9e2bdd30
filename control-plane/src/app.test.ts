import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from './app.js';
import { AppError } from './errors.js';
import { createLogger } from './logger.js';
import { readJson, type AppEnv } from './api/env.js';

function build() {
  const logged: string[] = [];
  const app = createApp(createLogger('error', (l) => logged.push(l)));
  const sub = new Hono<AppEnv>()
    .get('/missing', () => {
      throw new AppError('NOT_FOUND', 'thing "x" does not exist', { id: 'x' });
    })
    .get('/boom', () => {
      throw new Error('secret internals at /etc/passwd');
    })
    .post('/things', async (c) => c.json(await readJson(c, z.object({ name: z.string().min(1), count: z.number() }))));
  app.route('/api', sub);
  return { app, logged };
}

describe('app error mapping', () => {
  it('maps AppError to its status and JSON body', async () => {
    const res = await build().app.request('/api/missing');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'thing "x" does not exist', details: { id: 'x' } } });
  });

  it('hides unknown errors behind a generic 500 and logs them', async () => {
    const { app, logged } = build();
    const res = await app.request('/api/boom');
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(logged.join('')).toContain('secret internals');
  });

  it('names the failing field on validation errors', async () => {
    const res = await build().app.request('/api/things', { method: 'POST', body: JSON.stringify({ name: 'a', count: 'x' }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'count' } } });
    const bad = await build().app.request('/api/things', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await build().app.request('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
