import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { adminToken, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { OPERATIONS, type Operation } from './operations.js';
import * as Q from './requests.js';

/**
 * The OpenAPI document against the running app: every /api route (walked from `app.routes`)
 * is described and nothing else is; response schemas accept real answers; the request schemas
 * repeated from the route files accept and refuse what the routes do.
 */
let cp: TestControlPlane;
let auth: Record<string, string>;
type Doc = { openapi: string; paths: Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>> };
let doc: Doc;

beforeAll(async () => {
  cp = await startTestControlPlane();
  auth = { authorization: `Bearer ${await adminToken(cp)}`, 'content-type': 'application/json' };
  const res = await cp.app.request('/api/openapi.json');
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
});
afterAll(async () => {
  await cp?.dispose();
});

const toOpenApi = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('GET /api/openapi.json', () => {
  it('describes every route under /api, and only routes that exist', () => {
    expect(doc.openapi).toBe('3.1.0');
    const routes = new Set(
      cp.app.routes.filter((r) => r.method !== 'ALL' && r.path !== '/*' && r.path !== '*').map((r) => `${r.method.toLowerCase()} ${toOpenApi(r.path)}`),
    );
    const described = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
    const missing = [...routes].filter((r) => r.split(' ')[1]?.startsWith('/api/') && !described.has(r));
    expect(missing, 'routes under /api missing from control-plane/src/openapi/operations.ts').toEqual([]);
    const stale = [...described].filter((d) => !routes.has(d));
    expect(stale, 'operations in the document that no route serves').toEqual([]);
  });

  it('declares path parameters and unique operation ids', () => {
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops)) {
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        expect(declared.sort()).toEqual([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort());
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      }
    }
  });

  it('response schemas accept what the routes answer', async () => {
    const server = await cp.app.request('/api/servers', { method: 'POST', headers: auth, body: JSON.stringify({ name: 'web-1', labels: { role: 'web' } }) });
    expect(server.status).toBe(201);
    const serverId = ((await server.json()) as { id: string }).id;
    const checks: [string, string][] = [
      ['/api/auth/me', '/api/auth/me'],
      ['/api/servers', '/api/servers'],
      [`/api/servers/${serverId}`, '/api/servers/:id'],
      ['/api/tokens', '/api/tokens'],
      ['/api/users', '/api/users'],
      ['/api/projects', '/api/projects'],
      ['/api/deployments', '/api/deployments'],
      ['/api/queue', '/api/queue'],
      ['/api/approvals', '/api/approvals'],
      ['/api/metrics', '/api/metrics'],
    ];
    for (const [url, pattern] of checks) {
      const op: Operation | undefined = OPERATIONS.find((o) => o.method === 'get' && o.path === pattern);
      const schema = op?.responses[200];
      expect(schema instanceof z.ZodType, pattern).toBe(true);
      const res = await cp.app.request(url, { headers: auth });
      expect(res.status, url).toBe(200);
      const parsed = (schema as z.ZodType).safeParse(await res.json());
      expect(parsed.success, `${url}: ${parsed.error?.message}`).toBe(true);
    }
  });

  it('request schemas repeated from the route files accept and refuse what the routes do', async () => {
    const cases: [string, string, z.ZodType, unknown][] = [
      ['POST', '/api/tokens', Q.CreateToken, { name: 'ci' }],
      ['POST', '/api/tokens', Q.CreateToken, { name: '   ' }],
      ['POST', '/api/servers', Q.CreateServer, { name: 'db-1' }],
      ['POST', '/api/servers', Q.CreateServer, { name: 'Bad Name!' }],
      ['POST', '/api/users', Q.CreateUser, { email: 'dev@example.test', password: 'long enough password', role: 'deployer' }],
      ['POST', '/api/users', Q.CreateUser, { email: 'dev2@example.test', password: 'short', role: 'deployer' }],
      ['POST', '/api/users', Q.CreateUser, { email: 'dev3@example.test', password: 'long enough password', role: 'owner' }],
    ];
    for (const [method, path, schema, body] of cases) {
      const res = await cp.app.request(path, { method, headers: auth, body: JSON.stringify(body) });
      expect(res.status === 400, `${method} ${path} ${JSON.stringify(body)} answered ${res.status}`).toBe(!schema.safeParse(body).success);
    }
  });
});
