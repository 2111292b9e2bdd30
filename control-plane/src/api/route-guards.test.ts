import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, jsonHeaders, loginCookie, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

/**
 * Walks every route of the real app (`app.routes`) so a new route cannot ship without an
 * auth check: anonymous callers get 401 on every /api route but the public ones, and a viewer
 * (cookie session, with the CSRF header) gets 403 on every mutating one.
 */
const PUBLIC = new Set(['POST /api/auth/login', 'POST /api/auth/logout', 'GET /api/openapi.json']);
// A viewer may manage its own API tokens (read-only CLI use) and log out.
const VIEWER_MAY = new Set(['POST /api/auth/login', 'POST /api/auth/logout', 'POST /api/tokens', 'DELETE /api/tokens/:id']);
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// Routes only an admin may call: users, servers (enrolment hands out steps and secrets), reordering the queue.
const ADMIN_ONLY = ['POST /api/users', 'POST /api/servers', 'PATCH /api/servers/:id', 'DELETE /api/servers/:id', 'POST /api/servers/:id/token', 'POST /api/projects/:project/queue/reorder'];
const VIEWER_EMAIL = 'viewer@test.local';
const VIEWER_PASSWORD = 'viewer password long enough';

let cp: TestControlPlane;
let viewerCookie: string;
let maintainerCookie: string;

beforeAll(async () => {
  cp = await startTestControlPlane();
  const admin = { authorization: `Bearer ${await adminToken(cp)}`, 'content-type': 'application/json' };
  const res = await cp.app.request('/api/users', { method: 'POST', headers: admin, body: JSON.stringify({ email: VIEWER_EMAIL, password: VIEWER_PASSWORD, role: 'viewer' }) });
  expect(res.status).toBe(201);
  viewerCookie = await loginCookie(cp, VIEWER_EMAIL, VIEWER_PASSWORD);
  const m = await cp.app.request('/api/users', { method: 'POST', headers: admin, body: JSON.stringify({ email: 'maintainer@test.local', password: VIEWER_PASSWORD, role: 'maintainer' }) });
  expect(m.status).toBe(201);
  maintainerCookie = await loginCookie(cp, 'maintainer@test.local', VIEWER_PASSWORD);
});
afterAll(async () => {
  await cp?.dispose();
});

function apiRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  return cp.app.routes
    .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/') && !r.path.endsWith('*'))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
}

const concrete = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, 'nope-$1');

describe('route guards', () => {
  it('finds the routes to walk', () => {
    const routes = apiRoutes();
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.some((r) => r.method === 'POST' && r.path === '/api/users')).toBe(true);
  });

  it('answers 401 to an anonymous caller on every /api route but login, logout and the OpenAPI document', async () => {
    const open: string[] = [];
    for (const r of apiRoutes()) {
      const key = `${r.method} ${r.path}`;
      if (PUBLIC.has(key)) continue;
      const res = await cp.app.request(concrete(r.path), { method: r.method, headers: jsonHeaders(), body: MUTATING.has(r.method) ? '{}' : undefined });
      if (res.status !== 401) open.push(`${key} -> ${res.status}`);
    }
    expect(open).toEqual([]);
  });

  it('answers 403 to a viewer on every mutating /api route', async () => {
    const allowed: string[] = [];
    for (const r of apiRoutes()) {
      const key = `${r.method} ${r.path}`;
      if (!MUTATING.has(r.method) || VIEWER_MAY.has(key)) continue;
      const res = await cp.app.request(concrete(r.path), { method: r.method, headers: jsonHeaders(viewerCookie), body: '{}' });
      if (res.status !== 403) allowed.push(`${key} -> ${res.status}`);
    }
    expect(allowed).toEqual([]);
  });

  it('answers 403 to a maintainer on the admin-only routes', async () => {
    const known = new Set(apiRoutes().map((r) => `${r.method} ${r.path}`));
    const allowed: string[] = [];
    for (const key of ADMIN_ONLY) {
      expect(known.has(key), key).toBe(true);
      const [method, path] = key.split(' ') as [string, string];
      const res = await cp.app.request(concrete(path), { method, headers: jsonHeaders(maintainerCookie), body: '{}' });
      if (res.status !== 403) allowed.push(`${key} -> ${res.status}`);
    }
    expect(allowed).toEqual([]);
  });

  it('answers 401 to a bad bearer token even on public routes, and 403 to a cookie session without the CSRF header', async () => {
    const bad = await cp.app.request('/api/projects', { headers: { authorization: 'Bearer df_not-a-token' } });
    expect(bad.status).toBe(401);
    const csrf = await cp.app.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json', cookie: viewerCookie }, body: '{"name":"x"}' });
    expect(csrf.status).toBe(403);
  });
});
