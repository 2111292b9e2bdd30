import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { parseExposition, sampleValue, type ParsedFamily } from '../../test-support/metrics/parse.js';
import { seedDeployments, seedEnvironment } from '../../test-support/metrics/seed.js';

/** GET /metrics of a real control plane: format, figures from the database, HTTP by route, who may scrape. */
let cp: TestControlPlane;

beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(async () => {
  await cp?.dispose();
});

async function scrape(): Promise<Map<string, ParsedFamily>> {
  const res = await fetch(`${cp.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}

describe('GET /metrics', () => {
  it('serves every documented family with HELP and TYPE to a loopback client', async () => {
    const families = await scrape();
    const expected: Record<string, string> = {
      devflow_deployments_total: 'counter',
      devflow_deployment_duration_seconds: 'histogram',
      devflow_deployments_queued: 'gauge',
      devflow_deployments_running: 'gauge',
      devflow_agents_connected: 'gauge',
      devflow_servers: 'gauge',
      devflow_log_lines_total: 'counter',
      devflow_steps_total: 'counter',
      devflow_http_requests_total: 'counter',
      devflow_http_request_duration_seconds: 'histogram',
      devflow_process_resident_memory_bytes: 'gauge',
      devflow_process_heap_used_bytes: 'gauge',
      devflow_process_event_loop_lag_seconds: 'gauge',
      devflow_process_uptime_seconds: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) {
      expect(families.get(name)?.type, name).toBe(type);
      expect(families.get(name)?.help, name).not.toBe('');
    }
    expect(sampleValue(families, 'devflow_servers', { status: 'online' })).toBe(0);
    expect(sampleValue(families, 'devflow_agents_connected')).toBe(0);
    expect(sampleValue(families, 'devflow_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('reads deployments from the database: totals, queue gauges and the duration histogram follow the rows', async () => {
    const ids = await seedEnvironment(cp.services.db, 'shop "eu"', 'production');
    const before = await scrape();
    const labels = { project: 'shop "eu"', environment: 'production' };
    expect(sampleValue(before, 'devflow_deployments_total', labels)).toBeUndefined();
    expect(sampleValue(before, 'devflow_deployments_queued', { project: 'shop "eu"' })).toBe(0);

    const t = Date.now() - 3600_000;
    await seedDeployments(cp.services.db, ids, [
      { id: 'm1', status: 'succeeded', createdAt: t, durationS: 4 },
      { id: 'm2', status: 'succeeded', createdAt: t + 1, durationS: 45 },
      { id: 'm3', status: 'failed', createdAt: t + 2, durationS: 700, trigger: 'webhook' },
      { id: 'm4', status: 'queued', createdAt: t + 3 },
      { id: 'm5', status: 'running', createdAt: t + 4 },
    ]);
    const after = await scrape();
    expect(sampleValue(after, 'devflow_deployments_total', { ...labels, status: 'succeeded', trigger: 'manual' })).toBe(2);
    expect(sampleValue(after, 'devflow_deployments_total', { ...labels, status: 'failed', trigger: 'webhook' })).toBe(1);
    expect(sampleValue(after, 'devflow_deployments_queued', { project: 'shop "eu"' })).toBe(1);
    expect(sampleValue(after, 'devflow_deployments_running', { project: 'shop "eu"' })).toBe(1);
    const ok = { ...labels, status: 'succeeded' };
    expect(sampleValue(after, 'devflow_deployment_duration_seconds_bucket', { ...ok, le: '5' })).toBe(1);
    expect(sampleValue(after, 'devflow_deployment_duration_seconds_bucket', { ...ok, le: '30' })).toBe(1);
    expect(sampleValue(after, 'devflow_deployment_duration_seconds_bucket', { ...ok, le: '60' })).toBe(2);
    expect(sampleValue(after, 'devflow_deployment_duration_seconds_count', ok)).toBe(2);
    expect(sampleValue(after, 'devflow_deployment_duration_seconds_sum', ok)).toBe(49);
    expect(sampleValue(after, 'devflow_deployment_duration_seconds_bucket', { ...labels, status: 'failed', le: '600' })).toBe(0);
    expect(sampleValue(after, 'devflow_deployment_duration_seconds_bucket', { ...labels, status: 'failed', le: '1200' })).toBe(1);
  });

  it('counts HTTP requests by route pattern, not by raw path, including refused ones', async () => {
    await cp.app.request('/api/projects/no-such-project-1');
    await cp.app.request('/api/projects/no-such-project-2');
    const token = await adminToken(cp);
    await cp.app.request('/api/projects/no-such-project-3', { headers: { authorization: `Bearer ${token}` } });
    await cp.app.request('/api/nothing-here');
    const families = await scrape();
    const requests = families.get('devflow_http_requests_total')?.samples ?? [];
    expect(requests.some((s) => s.labels.route?.includes('no-such-project'))).toBe(false);
    expect(sampleValue(families, 'devflow_http_requests_total', { method: 'GET', route: '/api/projects/:project', status: '401' })).toBe(2);
    expect(sampleValue(families, 'devflow_http_requests_total', { method: 'GET', route: '/api/projects/:project', status: '404' })).toBe(1);
    expect(sampleValue(families, 'devflow_http_requests_total', { method: 'POST', route: '/api/tokens', status: '201' })).toBe(1);
    expect(sampleValue(families, 'devflow_http_request_duration_seconds_count', { method: 'GET', route: '/api/projects/:project' })).toBe(3);
  });

  it('refuses clients that are not loopback, requests that came through a proxy, and unknown peers', async () => {
    const remote = await cp.app.request('/metrics', {}, { incoming: { socket: { remoteAddress: '10.1.2.3', remotePort: 5000, remoteFamily: 'IPv4' } } });
    expect(remote.status).toBe(403);
    expect(((await remote.json()) as { error: { message: string } }).error.message).toMatch(/10\.1\.2\.3.*DEVFLOW_METRICS_TOKEN/);
    const proxied = await fetch(`${cp.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.status).toBe(403);
    expect((await cp.app.request('/metrics')).status).toBe(403);
  });
});

describe('GET /metrics with DEVFLOW_METRICS_TOKEN', () => {
  let tokenCp: TestControlPlane;
  const token = 'scrape-token-0123456789abcdef';
  beforeAll(async () => {
    tokenCp = await startTestControlPlane({ DEVFLOW_METRICS_TOKEN: token });
  });
  afterAll(async () => {
    await tokenCp?.dispose();
  });

  it('needs the bearer token, from loopback as from anywhere', async () => {
    expect((await fetch(`${tokenCp.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${tokenCp.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const ok = await fetch(`${tokenCp.url}/metrics`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.9' } });
    expect(ok.status).toBe(200);
    expect(parseExposition(await ok.text()).has('devflow_deployments_total')).toBe(true);
  });
});

describe('GET /metrics behind a trusted reverse proxy (DEVFLOW_TRUSTED_PROXIES)', () => {
  let behind: TestControlPlane;
  beforeAll(async () => {
    behind = await startTestControlPlane({ DEVFLOW_TRUSTED_PROXIES: '127.0.0.0/8,::1' });
  });
  afterAll(async () => {
    await behind?.dispose();
  });

  it('checks the forwarded client, not the proxy: a remote client is refused by its own address, a local one served', async () => {
    const remote = await fetch(`${behind.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(remote.status).toBe(403);
    expect(((await remote.json()) as { error: { message: string } }).error.message).toContain('203.0.113.9');
    expect((await fetch(`${behind.url}/metrics`, { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(200);
  });
});
