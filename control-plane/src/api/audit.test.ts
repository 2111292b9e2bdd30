import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, jsonHeaders, loginCookie, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

/** The audit log API (read in pages, filtered, exported as JSON lines) and the append-only table. */
let cp: TestControlPlane;
let admin: Record<string, string>;

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = { authorization: `Bearer ${await adminToken(cp)}`, 'content-type': 'application/json' };
  for (const name of ['a', 'b', 'c']) {
    const res = await cp.app.request('/api/servers', { method: 'POST', headers: admin, body: JSON.stringify({ name: `audit-${name}` }) });
    expect(res.status).toBe(201);
  }
  const viewer = await cp.app.request('/api/users', { method: 'POST', headers: admin, body: JSON.stringify({ email: 'auditviewer@test.local', password: 'viewer password long enough 1', role: 'viewer' }) });
  expect(viewer.status).toBe(201);
});
afterAll(async () => {
  await cp?.dispose();
});

describe('audit log', () => {
  it('lists entries newest first, filters by action prefix and actor email, and pages with next', async () => {
    const all = await cp.app.request('/api/audit?action=server.', { headers: admin });
    expect(all.status).toBe(200);
    const body = (await all.json()) as { entries: { id: number; action: string; actor: string }[]; next: number | null };
    expect(body.entries.filter((e) => e.action === 'server.create')).toHaveLength(3);
    expect(body.entries.every((e) => e.action.startsWith('server.'))).toBe(true);
    expect(body.entries.map((e) => e.id)).toEqual([...body.entries.map((e) => e.id)].sort((a, b) => b - a));

    const byEmail = (await (await cp.app.request('/api/audit?actor=admin@test.local&action=server.create', { headers: admin })).json()) as typeof body;
    expect(byEmail.entries).toHaveLength(3);

    const first = (await (await cp.app.request('/api/audit?action=server.create&limit=2', { headers: admin })).json()) as typeof body;
    expect(first.entries).toHaveLength(2);
    expect(first.next).toBe(first.entries[1]!.id);
    const second = (await (await cp.app.request(`/api/audit?action=server.create&limit=2&before=${first.next}`, { headers: admin })).json()) as typeof body;
    expect(second.entries).toHaveLength(1);
    expect(second.next).toBeNull();
  });

  it('exports every matching entry as JSON lines, oldest first', async () => {
    const res = await cp.app.request('/api/audit/export?action=server.create', { headers: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="devflow-audit-\d{4}-\d{2}-\d{2}\.jsonl"/);
    const lines = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as { id: number; action: string; details: { name: string } });
    expect(lines.map((l) => l.details.name)).toEqual(['audit-a', 'audit-b', 'audit-c']);
    expect(lines[0]!.id).toBeLessThan(lines[2]!.id);
  });

  it('answers 400 naming the field for a bad filter, 403 to a non-admin and 401 without a session', async () => {
    const bad = await cp.app.request('/api/audit?from=yesterday', { headers: admin });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'from' } } });
    const badLimit = await cp.app.request('/api/audit/export?to=soon', { headers: admin });
    expect(badLimit.status).toBe(400);
    const viewer = await loginCookie(cp, 'auditviewer@test.local', 'viewer password long enough 1');
    for (const path of ['/api/audit', '/api/audit/export']) {
      expect((await cp.app.request(path, { headers: jsonHeaders(viewer) })).status).toBe(403);
      expect((await cp.app.request(path)).status).toBe(401);
    }
  });

  it('refuses UPDATE and DELETE on the table itself (append-only), and keeps the rows', async () => {
    const before = Number((await cp.services.db.execute('SELECT COUNT(*) AS n FROM audit_log')).rows[0]?.n);
    await expect(cp.services.db.execute("UPDATE audit_log SET actor = 'someone-else'")).rejects.toThrow(/append-only: records cannot be changed/);
    await expect(cp.services.db.execute('DELETE FROM audit_log')).rejects.toThrow(/append-only: records cannot be deleted/);
    const after = await cp.services.db.execute('SELECT COUNT(*) AS n, SUM(actor = \'someone-else\') AS changed FROM audit_log');
    expect(Number(after.rows[0]?.n)).toBe(before);
    expect(Number(after.rows[0]?.changed)).toBe(0);
    // Appending still works.
    await cp.services.audit.record('system', 'test.append');
    expect((await cp.services.audit.list(1))[0]?.action).toBe('test.append');
  });
});
