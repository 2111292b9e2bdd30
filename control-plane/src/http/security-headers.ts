import type { MiddlewareHandler } from 'hono';

/**
 * The console's Content-Security-Policy. The built console (Vite) loads one module script and one
 * stylesheet from /assets and talks to its own origin only (fetch, SSE, WebSocket); React sets
 * `style` attributes (progress bars, virtual log rows), hence 'unsafe-inline' for styles alone.
 * Checked in Chromium by test/web/features.test.ts (no CSP violation while the console is used).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Security headers on every response: the console cannot be framed, sniffed or leak its URLs. */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('Content-Security-Policy', CONSOLE_CSP);
    h.set('X-Frame-Options', 'DENY');
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Referrer-Policy', 'no-referrer');
  };
}
