import type { MiddlewareHandler } from 'hono';
import type { Db } from '../db/client.js';
import { collectDatabase, DATABASE_METRICS } from './database.js';
import { render } from './exposition.js';
import { httpMetrics } from './http.js';
import { collectProcess, PROCESS_METRICS } from './process.js';
import { Registry } from './registry.js';

export { CONTENT_TYPE } from './exposition.js';

export interface MetricsDeps {
  db: Db;
  /** Agents connected to this instance (each instance reports its own; sum them across instances). */
  agentsConnected: () => number;
}

export interface Metrics {
  registry: Registry;
  /** Records every request's count and duration by route pattern; mount before the routes. */
  http: MiddlewareHandler;
  /** The Prometheus text exposition of everything, read now. */
  scrape(): Promise<string>;
}

/** The metrics of one control-plane instance: HTTP in process, deployments from the database, the process itself. */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  const http = httpMetrics(registry);
  registry.register(DATABASE_METRICS, () => collectDatabase(deps.db));
  registry.register(['devflow_agents_connected'], () => [
    { name: 'devflow_agents_connected', help: 'Agents with a live connection to this instance.', type: 'gauge', samples: [{ suffix: '', labels: {}, value: deps.agentsConnected() }] },
  ]);
  registry.register(PROCESS_METRICS, collectProcess);
  return { registry, http, scrape: async () => render(await registry.collect()) };
}
