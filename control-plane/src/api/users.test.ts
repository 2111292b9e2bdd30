import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, adminToken, jsonHeaders, loginCookie, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

/** Issue 17 item 9: the per-address login limit, the password policy and admin user management. */
let cp: TestControlPlane;
let admin: string;
const PASSWORD = 'Plenty-of-distinct-chars-42';

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await adminToken(cp);
});
afterAll(() => cp.dispose());

const call = async (path: string, init: { method?: string; body?: unknown; token?: string; cookie?: string } = {}) => {
  const headers: Record<string, string> = init.cookie ? jsonHeaders(init.cookie) : { 'content-type': 'application/json', authorization: `Bearer ${init.token ?? admin}` };
  const res = await cp.app.request(`/api${path}`, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as Record<string, any> };
};
const userCount = async () => (await call('/users')).body.users.length as number;

async function newUser(email: string, role = 'deployer'): Promise<{ id: string; token: string; cookie: string }> {
  const created = await call('/users', { method: 'POST', body: { email, password: PASSWORD, role } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const cookie = await loginCookie(cp, email, PASSWORD);
  const token = (await call('/tokens', { method: 'POST', cookie, body: { name: 'ci' } })).body.token as string;
  return { id: created.body.user.id, token, cookie };
}

describe('password policy at user creation', () => {
  it.each([
    ['aaaaaaaaaaaaaaaa', /password: has only 1 different characters; use at least 8/],
    ['Password1234!', /password: is a common password/],
    ['short', /password: must be at least 12 characters/],
  ])('refuses %s with 400, creating nobody', async (password, message) => {
    const before = await userCount();
    const res = await call('/users', { method: 'POST', body: { email: 'weak@test.local', password, role: 'viewer' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
    expect(await userCount()).toBe(before);
  });
});

describe('login limit per client address', () => {
  it('after 30 failures over different emails from one address: 429 with Retry-After, even for a right password', async () => {
    const u = await newUser('sprayed@test.local', 'viewer');
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${cp.url}/api/auth/login`, { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ email: `nobody${i}@test.local`, password: 'guess guess guess' }) });
      expect(res.status).toBe(401);
    }
    const limited = await fetch(`${cp.url}/api/auth/login`, { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ email: 'sprayed@test.local', password: PASSWORD }) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as any).error.message).toMatch(/too many failed logins from your address/);
    expect(u.id).toMatch(/^usr_/);
  });
});

describe('admin user management', () => {
  it('disabling a user stops their session and API token at once; enabling restores the token', async () => {
    const u = await newUser('dana@test.local');
    expect((await call('/auth/me', { token: u.token })).status).toBe(200);
    const off = await call(`/users/${u.id}`, { method: 'PATCH', body: { disabled: true } });
    expect(off.status).toBe(200);
    expect(off.body.user).toMatchObject({ disabled: true, role: 'deployer' });
    expect((await call('/auth/me', { token: u.token })).status).toBe(401);
    expect((await call('/auth/me', { cookie: u.cookie })).status).toBe(401);
    const login = await cp.app.request('/api/auth/login', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ email: 'dana@test.local', password: PASSWORD }) });
    expect(login.status).toBe(401);
    expect((await call(`/users/${u.id}`, { method: 'PATCH', body: { disabled: false } })).status).toBe(200);
    expect((await call('/auth/me', { token: u.token })).status).toBe(200);
  });

  it('changes a role, which applies to the next request', async () => {
    const u = await newUser('vic@test.local', 'viewer');
    expect((await call('/servers', { method: 'POST', token: u.token, body: { name: 'x1' } })).status).toBe(403);
    const res = await call(`/users/${u.id}`, { method: 'PATCH', body: { role: 'admin' } });
    expect(res.body.user.role).toBe('admin');
    expect((await call('/auth/me', { token: u.token })).body.user.role).toBe('admin');
    expect((await call(`/users/${u.id}`, { method: 'PATCH', body: { role: 'viewer' } })).status).toBe(200);
  });

  it('resets a password (policy applies; sessions end) and lists and revokes any user\'s tokens', async () => {
    const u = await newUser('rita@test.local');
    const weak = await call(`/users/${u.id}/password`, { method: 'POST', body: { password: 'qwertyuiop123' } });
    expect(weak.status).toBe(400);
    expect((await call('/auth/me', { cookie: u.cookie })).status).toBe(200);
    expect((await call(`/users/${u.id}/password`, { method: 'POST', body: { password: 'A-new-and-long-passphrase' } })).status).toBe(200);
    expect((await call('/auth/me', { cookie: u.cookie })).status).toBe(401);
    const tokens = (await call(`/users/${u.id}/tokens`)).body.tokens as { id: string; name: string }[];
    expect(tokens.map((t) => t.name)).toEqual(['ci']);
    expect((await call(`/users/${u.id}/tokens/${tokens[0]!.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call('/auth/me', { token: u.token })).status).toBe(401);
    expect((await call(`/users/${u.id}/tokens/${tokens[0]!.id}`, { method: 'DELETE' })).status).toBe(404);
    const audit = (await cp.services.audit.list(50)).map((a) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['user.password_reset', 'token.revoke', 'user.update']));
  });

  it('deletes a user with their tokens; refuses deleting or demoting yourself and the last admin', async () => {
    const u = await newUser('gone@test.local');
    expect((await call(`/users/${u.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call('/auth/me', { token: u.token })).status).toBe(401);
    expect((await call(`/users/${u.id}`, { method: 'DELETE' })).status).toBe(404);
    const me = (await call('/auth/me')).body.user.id as string;
    const self = await call(`/users/${me}`, { method: 'DELETE' });
    expect(self.status).toBe(409);
    expect(self.body.error.message).toMatch(/cannot delete your own account/);
    expect((await call(`/users/${me}`, { method: 'PATCH', body: { role: 'viewer' } })).status).toBe(409);
    // Another admin cannot remove the only other admin once it is the last one enabled.
    const other = await newUser('second-admin@test.local', 'admin');
    expect((await call(`/users/${me}`, { method: 'PATCH', token: other.token, body: { disabled: true } })).status).toBe(200);
    const last = await call(`/users/${other.id}`, { method: 'DELETE', token: other.token });
    expect(last.status).toBe(409);
    const byAdmin = await call(`/users/${me}`, { method: 'PATCH', token: other.token, body: { disabled: false } });
    expect(byAdmin.status).toBe(200);
    expect((await call('/users')).body.users.find((x: { email: string }) => x.email === ADMIN_EMAIL)).toMatchObject({ disabled: false });
  });

  it('is for admins only', async () => {
    const u = await newUser('mo@test.local', 'maintainer');
    expect((await call('/users', { token: u.token })).status).toBe(403);
    expect((await call(`/users/${u.id}`, { method: 'PATCH', token: u.token, body: { role: 'admin' } })).status).toBe(403);
  });
});
