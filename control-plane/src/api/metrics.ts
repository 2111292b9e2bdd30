import { Hono } from 'hono';
import type { Services } from '../services.js';
import { authorizeScrape } from '../metrics/access.js';
import { CONTENT_TYPE, type Metrics } from '../metrics/index.js';
import { MetricsQuery } from '../metrics/summary/schema.js';
import { deploymentMetrics } from '../metrics/summary/summary.js';
import { parseInput, type AppEnv } from './env.js';
import { requireAuth } from './middleware.js';

/** `GET /metrics`: Prometheus text exposition, behind DEVFLOW_METRICS_TOKEN or loopback only. */
export function prometheusApi(metrics: Metrics, token: string | undefined) {
  return new Hono<AppEnv>().get('/metrics', async (c) => {
    const client = c.get('client');
    authorizeScrape(
      { authorization: c.req.header('authorization'), remoteAddress: client?.address, proxied: client?.untrustedForwarding ?? false },
      token,
    );
    return c.body(await metrics.scrape(), 200, { 'Content-Type': CONTENT_TYPE, 'Cache-Control': 'no-store' });
  });
}

/** `GET /api/metrics`: deployment frequency, success rate, durations, MTTR, rollbacks per bucket and in total. */
export function metricsApi(s: Services) {
  return new Hono<AppEnv>().use('*', requireAuth).get('/', async (c) => c.json(await deploymentMetrics(s.db, parseInput(MetricsQuery, c.req.query()))));
}
