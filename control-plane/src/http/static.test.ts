import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../api/env.js';
import { mountWebConsole } from './static.js';

let dir: string;
let app: Hono<AppEnv>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devflow-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>DevFlow</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  app = new Hono<AppEnv>();
  app.get('/api/ping', (c) => c.json({ pong: true }));
  mountWebConsole(app, dir);
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND' } }, 404));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('web console', () => {
  it('serves files and falls back to index.html for client-side routes', async () => {
    expect(await (await app.request('/assets/app.js')).text()).toBe('console.log(1)');
    expect(await (await app.request('/')).text()).toContain('<title>DevFlow</title>');
    const spa = await app.request('/projects/shop/deployments', { headers: { accept: 'text/html' } });
    expect(spa.status).toBe(200);
    expect(await spa.text()).toContain('<title>DevFlow</title>');
  });

  it('leaves API paths and missing assets to the API / 404', async () => {
    expect(await (await app.request('/api/ping')).json()).toEqual({ pong: true });
    expect((await app.request('/api/nothing', { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await app.request('/assets/missing.js')).status).toBe(404);
  });
});
