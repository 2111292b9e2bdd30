import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, jsonHeaders, loginCookie, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(() => cp.dispose());

const login = (email: string, password: string, headers = jsonHeaders()) =>
  cp.app.request('/api/auth/login', { method: 'POST', headers, body: JSON.stringify({ email, password }) });

describe('login', () => {
  it('returns the user and an HttpOnly SameSite=Lax session cookie', async () => {
    const res = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { email: ADMIN_EMAIL, role: 'admin' } });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^devflow_session=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const me = await cp.app.request('/api/auth/me', { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(await me.json()).toMatchObject({ user: { email: ADMIN_EMAIL }, authMethod: 'session' });
  });

  it('refuses a wrong password with 401 and no cookie', async () => {
    const res = await login(ADMIN_EMAIL, 'wrong password');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.json()).toMatchObject({ error: { code: 'INVALID_CREDENTIALS' } });
  });

  it('stores the password hashed with scrypt, never in clear', async () => {
    const rs = await cp.services.db.execute({ sql: 'SELECT password_hash FROM users WHERE email = ?', args: [ADMIN_EMAIL] });
    const hash = String(rs.rows[0]?.password_hash);
    expect(hash).toMatch(/^scrypt\$15\$8\$1\$/);
    expect(hash).not.toContain(ADMIN_PASSWORD);
  });

  it('rate-limits after 10 failures for one email and address: 429 with Retry-After, even with the right password', async () => {
    const email = 'victim@test.local';
    await cp.services.users.create(email, 'the right password!', 'viewer');
    for (let i = 0; i < 10; i++) expect((await login(email, `guess ${i}`)).status).toBe(401);
    const limited = await login(email, 'the right password!');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    // Another account from the same address is not affected.
    expect((await login(ADMIN_EMAIL, ADMIN_PASSWORD)).status).toBe(200);
  });

  it('does not believe X-Forwarded-For from a peer that is not a trusted proxy (spoofing cannot escape the limit)', async () => {
    const email = 'spoofed@test.local';
    await cp.services.users.create(email, 'the right password!', 'viewer');
    const from = (n: number) => ({ ...jsonHeaders(), 'x-forwarded-for': `203.0.113.${n}` });
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${cp.url}/api/auth/login`, { method: 'POST', headers: from(i), body: JSON.stringify({ email, password: `guess ${i}` }) });
      expect(res.status).toBe(401);
    }
    const limited = await fetch(`${cp.url}/api/auth/login`, { method: 'POST', headers: from(99), body: JSON.stringify({ email, password: 'the right password!' }) });
    expect(limited.status).toBe(429);
  });

  it('logout ends the session', async () => {
    const cookie = await loginCookie(cp);
    const out = await cp.app.request('/api/auth/logout', { method: 'POST', headers: jsonHeaders(cookie) });
    expect(out.status).toBe(200);
    expect((await cp.app.request('/api/auth/me', { headers: { cookie } })).status).toBe(401);
  });
});

describe('CSRF for cookie sessions', () => {
  it('refuses a mutating cookie request without the header or a same-origin Origin', async () => {
    const cookie = await loginCookie(cp);
    const body = JSON.stringify({ name: 'ci' });
    const plain = await cp.app.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body });
    expect(plain.status).toBe(403);
    expect(await plain.json()).toMatchObject({ error: { code: 'CSRF_REJECTED' } });
    const evil = await cp.app.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json', cookie, origin: 'https://evil.example' }, body });
    expect(evil.status).toBe(403);
    const same = await cp.app.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json', cookie, origin: cp.url }, body });
    expect(same.status).toBe(201);
    const header = await cp.app.request('/api/tokens', { method: 'POST', headers: jsonHeaders(cookie), body });
    expect(header.status).toBe(201);
    // An Origin that only matches the Host header the caller sent is not ours.
    const hosted = await fetch(`${cp.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, host: 'evil.example', origin: 'http://evil.example' }, body });
    expect(hosted.status).toBe(403);
    const hostedInProcess = await cp.app.request('http://evil.example/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json', cookie, origin: 'http://evil.example' }, body });
    expect(hostedInProcess.status).toBe(403);
  });

  it('sends the security headers: CSP, X-Frame-Options DENY, nosniff, Referrer-Policy', async () => {
    for (const path of ['/api/auth/me', '/healthz', '/']) {
      const res = await cp.app.request(path, { headers: { accept: 'text/html' } });
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self';.*frame-ancestors 'none'/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('refuses a cross-site login form', async () => {
    const res = await login(ADMIN_EMAIL, ADMIN_PASSWORD, { 'content-type': 'application/json', origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });
});

describe('API tokens', () => {
  it('authenticate as Bearer without CSRF, are stored hashed, listed without the secret, and stop working when revoked', async () => {
    const cookie = await loginCookie(cp);
    const created = await cp.app.request('/api/tokens', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify({ name: 'ci' }) });
    const { id, token } = (await created.json()) as { id: string; token: string };
    expect(token).toMatch(/^dft_/);
    const stored = await cp.services.db.execute({ sql: 'SELECT token_hash FROM api_tokens WHERE id = ?', args: [id] });
    expect(String(stored.rows[0]?.token_hash)).toMatch(/^[0-9a-f]{64}$/);

    const auth = { authorization: `Bearer ${token}` };
    const me = await cp.app.request('/api/auth/me', { headers: auth });
    expect(await me.json()).toMatchObject({ user: { email: ADMIN_EMAIL }, authMethod: 'token' });
    // No CSRF header needed for bearer tokens.
    const srv = await cp.app.request('/api/servers', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tok-made' }) });
    expect(srv.status).toBe(201);

    const list = (await (await cp.app.request('/api/tokens', { headers: auth })).json()) as { tokens: { id: string }[] };
    expect(list.tokens.map((t) => t.id)).toContain(id);
    expect(JSON.stringify(list)).not.toContain(token);

    expect((await cp.app.request(`/api/tokens/${id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    const after = await cp.app.request('/api/auth/me', { headers: auth });
    expect(after.status).toBe(401);
  });

  it('refuses unknown tokens and anonymous calls', async () => {
    expect((await cp.app.request('/api/servers', { headers: { authorization: 'Bearer dft_nope' } })).status).toBe(401);
    expect((await cp.app.request('/api/servers')).status).toBe(401);
  });
});

describe('users and roles', () => {
  it('admins create users; a viewer cannot create servers or users; actions are audited', async () => {
    const cookie = await loginCookie(cp);
    const res = await cp.app.request('/api/users', {
      method: 'POST',
      headers: jsonHeaders(cookie),
      body: JSON.stringify({ email: 'viewer@test.local', password: 'viewer password 1', role: 'viewer' }),
    });
    expect(res.status).toBe(201);
    const dup = await cp.app.request('/api/users', {
      method: 'POST',
      headers: jsonHeaders(cookie),
      body: JSON.stringify({ email: 'viewer@test.local', password: 'viewer password 1', role: 'viewer' }),
    });
    expect(dup.status).toBe(409);
    const bad = await cp.app.request('/api/users', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify({ email: 'x@test.local', password: 'long enough pw', role: 'root' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { details: { field: 'role' } } });
    // Like the default admin (admin@localhost): a single-label domain is an address too.
    const local = await cp.app.request('/api/users', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify({ email: 'bob@localhost', password: 'long enough pw', role: 'approver' }) });
    expect(local.status).toBe(201);
    const notEmail = await cp.app.request('/api/users', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify({ email: 'bob at example.com', password: 'long enough pw', role: 'approver' }) });
    expect([notEmail.status, await notEmail.json()]).toEqual([400, { error: expect.objectContaining({ message: expect.stringContaining('must be an e-mail address like alice@example.com') }) }]);

    const viewer = await loginCookie(cp, 'viewer@test.local', 'viewer password 1');
    expect((await cp.app.request('/api/servers', { headers: { cookie: viewer } })).status).toBe(200);
    const denied = await cp.app.request('/api/servers', { method: 'POST', headers: jsonHeaders(viewer), body: JSON.stringify({ name: 'nope' }) });
    expect(denied.status).toBe(403);
    expect((await cp.app.request('/api/users', { headers: { cookie: viewer } })).status).toBe(403);

    const audit = await cp.services.audit.list(500);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['user.create', 'auth.login', 'auth.login_failed', 'token.create', 'token.revoke']));
  });
});

describe('login behind a trusted load balancer (DEVFLOW_TRUSTED_PROXIES)', () => {
  let behind: TestControlPlane;
  beforeAll(async () => {
    behind = await startTestControlPlane({ DEVFLOW_TRUSTED_PROXIES: '127.0.0.1,::1' });
  });
  afterAll(() => behind?.dispose());

  it('limits per forwarded client address: one attacker does not lock the account for everyone', async () => {
    const email = 'shared@test.local';
    await behind.services.users.create(email, 'the right password!', 'viewer');
    const post = (client: string, password: string) =>
      fetch(`${behind.url}/api/auth/login`, { method: 'POST', headers: { ...jsonHeaders(), 'x-forwarded-for': client }, body: JSON.stringify({ email, password }) });
    for (let i = 0; i < 10; i++) expect((await post('203.0.113.66', `guess ${i}`)).status).toBe(401);
    expect((await post('203.0.113.66', 'the right password!')).status).toBe(429);
    expect((await post('198.51.100.7', 'the right password!')).status).toBe(200);
  });
});
