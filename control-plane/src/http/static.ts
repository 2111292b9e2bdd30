import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import type { AppEnv } from '../api/env.js';
import { findRepoPath } from '../distribution/repo-files.js';

/** Repository `web/dist`, seen from control-plane/src/http or control-plane/dist. */
export function defaultWebDir(): string | undefined {
  const index = findRepoPath('web/dist/index.html');
  return index && dirname(index);
}

/**
 * Serve the built console at `/`, with SPA fallback: an unknown GET that is not an API,
 * agent or health path gets index.html so client-side routes survive a reload.
 */
export function mountWebConsole(app: Hono<AppEnv>, webDir: string): void {
  const root = relative(process.cwd(), webDir) || '.';
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    if (/^\/(api|agent)(\/|$)/.test(c.req.path) || c.req.path === '/healthz') return next();
    return serveStatic({ root })(c, next);
  });
  app.get('*', async (c, next) => {
    if (/^\/(api|agent)(\/|$)/.test(c.req.path) || c.req.path === '/healthz' || !c.req.header('accept')?.includes('text/html')) return next();
    return c.html(await readFile(join(webDir, 'index.html'), 'utf8'));
  });
}
