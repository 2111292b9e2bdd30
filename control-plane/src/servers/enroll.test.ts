import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../crypto/random.js';
import { jsonHeaders, loginCookie, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { HOST_FACTS } from '../../test-support/agent-peer.js';

let cp: TestControlPlane;
let cookie: string;
beforeAll(async () => {
  cp = await startTestControlPlane();
  cookie = await loginCookie(cp);
});
afterAll(() => cp.dispose());

async function addServer(name: string): Promise<{ id: string; enrollToken: string; installCommand: string }> {
  const res = await cp.app.request('/api/servers', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify({ name, labels: { role: 'web' } }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; enrollToken: string; installCommand: string };
}

async function enroll(token: string) {
  const { publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return cp.app.request('/agent/enroll', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, publicKey: await exportJWK(publicKey), host: HOST_FACTS }),
  });
}

const serverRow = async (id: string) => (await cp.services.db.execute({ sql: 'SELECT public_key, enrolled_at FROM servers WHERE id = ?', args: [id] })).rows[0];

describe('server enrolment', () => {
  it('creates a server with an install line and a hashed single-use token; the agent enrols with it', async () => {
    const s = await addServer('web-1');
    // Prefixed, so it never starts with "-" (a command line would read that as an option).
    expect(s.enrollToken).toMatch(/^dfe_[A-Za-z0-9_-]{43}$/);
    expect(s.installCommand).toBe(`curl -fsSL ${cp.url}/install.sh | sudo sh -s -- --token ${s.enrollToken} --name web-1`);
    const stored = await cp.services.db.execute({ sql: 'SELECT token_hash FROM enroll_tokens WHERE server_id = ?', args: [s.id] });
    expect(stored.rows[0]?.token_hash).toBe(sha256(s.enrollToken));

    const res = await enroll(s.enrollToken);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { agentId: string; controlPlanePublicKey: { kty: string; crv: string; x: string; d?: string }; controlPlaneUrl: string; controlPlaneUrls: string[] };
    expect(body.agentId).toBe(s.id);
    expect(body.controlPlaneUrl).toBe(cp.url);
    expect(body.controlPlaneUrls).toEqual([cp.url]);
    expect(body.controlPlanePublicKey).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(body.controlPlanePublicKey.d).toBeUndefined();

    const list = (await (await cp.app.request('/api/servers', { headers: { cookie } })).json()) as { servers: { id: string; status: string; enrolled: boolean; host: unknown; labels: unknown }[] };
    expect(list.servers.find((x) => x.id === s.id)).toMatchObject({ status: 'offline', enrolled: true, host: HOST_FACTS, labels: { role: 'web' } });
  });

  it('refuses a reused token with 409 and changes nothing', async () => {
    const s = await addServer('web-2');
    expect((await enroll(s.enrollToken)).status).toBe(200);
    const before = await serverRow(s.id);
    const again = await enroll(s.enrollToken);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'ENROLL_TOKEN_USED', message: expect.stringMatching(/already used/) } });
    expect(await serverRow(s.id)).toEqual(before);
  });

  it('refuses an expired token with 410 and leaves the server unenrolled', async () => {
    const s = await addServer('web-3');
    await cp.services.db.execute({ sql: 'UPDATE enroll_tokens SET expires_at = ? WHERE server_id = ?', args: [Date.now() - 1, s.id] });
    const res = await enroll(s.enrollToken);
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ error: { code: 'ENROLL_TOKEN_EXPIRED', message: expect.stringMatching(/expired/) } });
    expect((await serverRow(s.id))?.public_key).toBeNull();
    const used = await cp.services.db.execute({ sql: 'SELECT used_at FROM enroll_tokens WHERE server_id = ?', args: [s.id] });
    expect(used.rows[0]?.used_at).toBeNull();
  });

  it('refuses an unknown token with 401, and a bad public key with 400', async () => {
    const res = await enroll('x'.repeat(43));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'ENROLL_TOKEN_INVALID' } });
    const s = await addServer('web-4');
    const bad = await cp.app.request('/agent/enroll', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: s.enrollToken, publicKey: { kty: 'RSA', n: 'x', e: 'AQAB' } }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { details: { field: expect.stringMatching(/^publicKey/) } } });
    expect((await enroll(s.enrollToken)).status).toBe(200); // the refused request did not burn the token
  });

  it('issues a new token for re-install (old unused one stops working), renames, relabels and deletes', async () => {
    const s = await addServer('web-5');
    const fresh = await cp.app.request(`/api/servers/${s.id}/token`, { method: 'POST', headers: jsonHeaders(cookie) });
    expect(fresh.status).toBe(201);
    const { enrollToken } = (await fresh.json()) as { enrollToken: string };
    expect((await enroll(s.enrollToken)).status).toBe(401);
    expect((await enroll(enrollToken)).status).toBe(200);

    const patched = await cp.app.request(`/api/servers/${s.id}`, { method: 'PATCH', headers: jsonHeaders(cookie), body: JSON.stringify({ name: 'web-5b', labels: { zone: 'a' } }) });
    expect(await patched.json()).toMatchObject({ server: { name: 'web-5b', labels: { zone: 'a' } } });
    const badName = await cp.app.request(`/api/servers/${s.id}`, { method: 'PATCH', headers: jsonHeaders(cookie), body: JSON.stringify({ name: '-rf /' }) });
    expect(badName.status).toBe(400);
    expect((await cp.app.request(`/api/servers/${s.id}`, { method: 'DELETE', headers: jsonHeaders(cookie) })).status).toBe(204);
    expect((await cp.app.request(`/api/servers/${s.id}`, { headers: { cookie } })).status).toBe(404);
  });

  it('refuses duplicate names and names that would need shell quoting', async () => {
    await addServer('dup');
    const dup = await cp.app.request('/api/servers', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify({ name: 'dup' }) });
    expect(dup.status).toBe(409);
    const evil = await cp.app.request('/api/servers', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify({ name: 'a;rm -rf /' }) });
    expect(evil.status).toBe(400);
  });
});
