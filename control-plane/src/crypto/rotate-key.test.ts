import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonHeaders, loginCookie, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { SecretBox } from './secret-box.js';

const VALUE = 'rotate-me-value-123';
const keyOf = (dir: string) => Buffer.from(readFileSync(join(dir, 'secret.key'), 'utf8').trim(), 'base64');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function withSecrets(cp: TestControlPlane): Promise<string> {
  const cookie = await loginCookie(cp);
  const call = (path: string, method: string, body?: unknown) => cp.app.request(path, { method, headers: jsonHeaders(cookie), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  expect((await call('/api/projects', 'POST', { name: 'shop', repositoryUrl: 'https://ci:url-pass-77@203.0.113.10/shop.git', credentials: { httpsToken: 'tok-rotate-1' } })).status).toBe(201);
  expect((await call('/api/projects/shop/environments', 'POST', { name: 'production', branch: 'main' })).status).toBe(201);
  expect((await call('/api/projects/shop/environments/production/variables', 'PUT', { variables: { API_SECRET: VALUE } })).status).toBe(200);
  return cookie;
}

describe('devflow admin rotate-key (POST /api/admin/rotate-key)', () => {
  it('re-seals every secret with a new key file; the old key opens nothing; a restart uses the new key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'devflow-rotate-'));
    dirs.push(dataDir);
    let cp = await startTestControlPlane({ DEVFLOW_DATA_DIR: dataDir });
    const cookie = await withSecrets(cp);
    const oldKey = keyOf(dataDir);
    const viewerless = await cp.app.request('/api/admin/rotate-key', { method: 'POST', headers: jsonHeaders(), body: '{}' });
    expect(viewerless.status).toBe(401);

    const res = await cp.app.request('/api/admin/rotate-key', { method: 'POST', headers: jsonHeaders(cookie), body: '{}' });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { resealed: Record<string, number>; keyFile: string };
    expect(body.resealed).toMatchObject({ 'environment_variables.value_enc': 1, 'projects.credentials_enc': 1, 'projects.repository_url_enc': 1, 'project_webhooks.secret_enc': 1, 'settings.agent_signing_key': 1 });
    expect(body.keyFile).toBe(join(dataDir, 'secret.key'));
    const newKey = keyOf(dataDir);
    expect(newKey.equals(oldKey)).toBe(false);

    const row = (await cp.services.db.execute('SELECT environment_id, value_enc FROM environment_variables')).rows[0];
    const context = `env:${String(row?.environment_id)}:API_SECRET`;
    expect(() => new SecretBox(oldKey).open(String(row?.value_enc), context)).toThrow(/cannot decrypt/);
    expect(new SecretBox(newKey).open(String(row?.value_enc), context)).toBe(VALUE);
    // The running instance switched too: it still opens what it stores.
    expect((await cp.services.projects.source('shop')).credentials).toEqual({ httpsToken: 'tok-rotate-1' });
    await cp.close();

    cp = await startTestControlPlane({ DEVFLOW_DATA_DIR: dataDir });
    const source = await cp.services.projects.source('shop');
    expect(source).toMatchObject({ url: 'https://ci:url-pass-77@203.0.113.10/shop.git', credentials: { httpsToken: 'tok-rotate-1' } });
    await cp.close();
    // The old key is refused at start: the signing key no longer opens with it.
    await expect(startTestControlPlane({ DEVFLOW_DATA_DIR: join(dataDir, 'other'), DEVFLOW_SECRET_KEY: oldKey.toString('base64'), DATABASE_URL: `file:${join(dataDir, 'devflow.db')}` })).rejects.toThrow(/cannot decrypt/);
  });

  it('with DEVFLOW_SECRET_KEY the new key must be given; a bad one is 400 and changes nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'devflow-rotate-env-'));
    dirs.push(dataDir);
    const cp = await startTestControlPlane({ DEVFLOW_DATA_DIR: dataDir, DEVFLOW_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') });
    try {
      const cookie = await withSecrets(cp);
      const before = (await cp.services.db.execute('SELECT value_enc FROM environment_variables')).rows[0]?.value_enc;
      const missing = await cp.app.request('/api/admin/rotate-key', { method: 'POST', headers: jsonHeaders(cookie), body: '{}' });
      expect([missing.status, ((await missing.json()) as { error: { message: string } }).error.message]).toEqual([400, expect.stringMatching(/^newKey: the key comes from DEVFLOW_SECRET_KEY/)]);
      const bad = await cp.app.request('/api/admin/rotate-key', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify({ newKey: 'short' }) });
      expect(bad.status).toBe(400);
      expect((await cp.services.db.execute('SELECT value_enc FROM environment_variables')).rows[0]?.value_enc).toBe(before);
      const next = Buffer.alloc(32, 9);
      const ok = await cp.app.request('/api/admin/rotate-key', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify({ newKey: next.toString('hex') }) });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { keyFile: string | null }).keyFile).toBeNull();
      expect((await cp.services.projects.source('shop')).credentials).toEqual({ httpsToken: 'tok-rotate-1' });
    } finally {
      await cp.dispose();
    }
  });
});
