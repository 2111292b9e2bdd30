import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonHeaders, loginCookie, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

/** API token expiry: shown in the list, refused once past, bad lifetimes refused with the field named. */
let cp: TestControlPlane;
let cookie: string;

beforeAll(async () => {
  cp = await startTestControlPlane();
  cookie = await loginCookie(cp);
});
afterAll(async () => {
  await cp?.dispose();
});

const create = (body: unknown) => cp.app.request('/api/tokens', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify(body) });

describe('API token expiry', () => {
  it('gives a token an expiry in days, lists it, and refuses it with 401 once it has passed', async () => {
    const res = await create({ name: 'ci-production', expiresInDays: 30 });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; token: string; expiresAt: number };
    expect(created.expiresAt - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);
    const bearer = { authorization: `Bearer ${created.token}` };
    expect((await cp.app.request('/api/auth/me', { headers: bearer })).status).toBe(200);

    const list = (await (await cp.app.request('/api/tokens', { headers: jsonHeaders(cookie) })).json()) as { tokens: { id: string; expiresAt: number | null; lastUsedAt: number | null }[] };
    const listed = list.tokens.find((t) => t.id === created.id);
    expect(listed?.expiresAt).toBe(created.expiresAt);
    expect(listed?.lastUsedAt).not.toBeNull();

    // Let it run out (the clock is not ours to move; the row's expiry is).
    await cp.services.db.execute({ sql: 'UPDATE api_tokens SET expires_at = ? WHERE id = ?', args: [Date.now() - 1, created.id] });
    const expired = await cp.app.request('/api/auth/me', { headers: bearer });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED', message: 'the API token is unknown, expired or revoked' } });
  });

  it('keeps a token without expiresInDays valid with expiresAt null', async () => {
    const created = (await (await create({ name: 'laptop' })).json()) as { token: string; expiresAt: number | null };
    expect(created.expiresAt).toBeNull();
    expect((await cp.app.request('/api/auth/me', { headers: { authorization: `Bearer ${created.token}` } })).status).toBe(200);
  });

  it('refuses a lifetime that is not 1 to 3650 whole days, or an unknown field, with 400 naming it and no token made', async () => {
    const before = Number((await cp.services.db.execute('SELECT COUNT(*) AS n FROM api_tokens')).rows[0]?.n);
    for (const [body, field] of [
      [{ name: 'x', expiresInDays: 0 }, 'expiresInDays'],
      [{ name: 'x', expiresInDays: 3651 }, 'expiresInDays'],
      [{ name: 'x', expiresInDays: 1.5 }, 'expiresInDays'],
      [{ name: 'x', expiresInDays: '30' }, 'expiresInDays'],
      [{ name: 'x', scope: 'root' }, '(body)'],
    ] as const) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field } } });
    }
    expect(Number((await cp.services.db.execute('SELECT COUNT(*) AS n FROM api_tokens')).rows[0]?.n)).toBe(before);
  });
});
