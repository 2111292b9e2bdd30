import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Registry } from './registry.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/**
 * The route pattern that answered (`/api/deployments/:id`, never the raw path, so label values
 * stay few). After `next()`, `routeIndex` is the last handler that ran; when that was a
 * middleware (`ALL`, e.g. requireAuth answering 401) the handler it guarded is the next
 * method route. Nothing matched: `unmatched`.
 */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  const ran = routes[c.req.routeIndex];
  if (ran && ran.method !== 'ALL') return ran.path;
  return routes.slice(c.req.routeIndex + 1).find((r) => r.method !== 'ALL')?.path ?? 'unmatched';
}

/** Counts requests and observes their duration (until the response head; streams continue after). */
export function httpMetrics(registry: Registry): MiddlewareHandler {
  const requests = registry.counter('devflow_http_requests_total', 'HTTP requests answered by this instance.', ['method', 'route', 'status']);
  const duration = registry.histogram(
    'devflow_http_request_duration_seconds',
    'Time to answer an HTTP request (to the response head), by route pattern.',
    ['method', 'route'],
    HTTP_DURATION_BUCKETS,
  );
  return async (c, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      // Errors are mapped to responses by app.onError before this runs, so c.res has the real status.
      const route = routeLabel(c);
      // Any other verb is one label value, so a client cannot grow the series without bound.
      const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
      requests.inc({ method, route, status: String(c.res.status) });
      duration.observe({ method, route }, (performance.now() - start) / 1000);
    }
  };
}
