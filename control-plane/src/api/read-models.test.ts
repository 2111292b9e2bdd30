import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

/**
 * What the console reads without extra look-ups: deployments name their project, environment
 * and requester (for every role), the project list carries its environments, and releases
 * come one row per release with commit, deployer and snapshot flag.
 */
let cp: TestControlPlane;
let admin: string;
let viewer: string;
let upstream: string;
const shas: string[] = [];

const api = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
  cp.app.request(`/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.token ?? admin}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
const json = async (res: Response) => (await res.json()) as Record<string, any>;

async function tokenFor(email: string, role: string): Promise<string> {
  expect((await api('/users', { method: 'POST', body: { email, password: 'long enough password', role } })).status).toBe(201);
  const login = await cp.app.request('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' },
    body: JSON.stringify({ email, password: 'long enough password' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const res = await cp.app.request('/api/tokens', { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-devflow-csrf': '1' }, body: JSON.stringify({ name: 't' }) });
  return ((await res.json()) as { token: string }).token;
}

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await adminToken(cp);
  viewer = await tokenFor('viewer@example.test', 'viewer');
  upstream = mkdtempSync(join(tmpdir(), 'devflow-upstream-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.test', ...args], { cwd: upstream, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  for (const text of ['one', 'two']) {
    writeFileSync(join(upstream, 'a.txt'), text);
    git('add', '.');
    git('commit', '-q', '-m', `release ${text}`);
    shas.push(git('rev-parse', 'HEAD').trim());
  }
  expect((await api('/projects', { method: 'POST', body: { name: 'shop', repositoryUrl: upstream } })).status).toBe(201);
  expect((await api('/projects', { method: 'POST', body: { name: 'blog', repositoryUrl: upstream } })).status).toBe(201);
  for (const name of ['production', 'staging']) expect((await api('/projects/shop/environments', { method: 'POST', body: { name } })).status).toBe(201);
});
afterAll(async () => {
  await cp?.dispose();
  rmSync(upstream, { recursive: true, force: true });
});

describe('deployments name their project, environment and requester', () => {
  it('in history, detail and the approvals list, also for a viewer who cannot list users', async () => {
    const out = await json(await api('/projects/shop/environments/production/deployments', { method: 'POST', body: {} }));
    // No server online: recorded as failed by the pre-flight, with who asked.
    const names = { projectName: 'shop', environmentName: 'production', triggeredBy: { email: 'admin@test.local' } };
    expect(out.deployment).toMatchObject(names);
    const id = out.deployment.id as string;
    expect((await json(await api(`/deployments/${id}`, { token: viewer }))).deployment).toMatchObject(names);
    expect((await json(await api('/deployments?project=shop', { token: viewer }))).items[0]).toMatchObject({ id, ...names });
    expect((await json(await api('/projects/shop/deployments', { token: viewer }))).items[0]).toMatchObject({ id, ...names });

    // A request waiting for approval (the deploy route only creates one with a server online).
    const staging = await cp.services.environments.get('shop', 'staging');
    await cp.services.engine.store.insert({
      id: 'dep_pending', projectId: staging.projectId, environmentId: staging.id, kind: 'deploy', trigger: 'manual',
      userId: out.deployment.userId, branch: 'main', commit: null, options: {}, status: 'pending_approval',
    });
    const approvals = (await json(await api('/approvals', { token: viewer }))).approvals as { deployment: Record<string, unknown> }[];
    expect(approvals[0]?.deployment).toMatchObject({ projectName: 'shop', environmentName: 'staging', triggeredBy: { email: 'admin@test.local' } });
  });
});

describe('GET /api/projects', () => {
  it('lists each project with its environments, live release and lock', async () => {
    const env = await cp.services.environments.get('shop', 'production');
    const server = await json(await api('/servers', { method: 'POST', body: { name: 'web-1' } }));
    const dep = (await json(await api('/deployments?project=shop&environment=production'))).items[0];
    await cp.services.engine.releases.stage(env.id, server.id, 'r1', dep.id, dep.commit.sha);
    await cp.services.engine.releases.activate(env.id, server.id, 'r1');
    await api('/projects/shop/environments/staging/lock', { method: 'POST', body: { reason: 'freeze' } });

    const projects = (await json(await api('/projects', { token: viewer }))).projects as Record<string, any>[];
    expect(projects.map((p) => p.name)).toEqual(['blog', 'shop']);
    expect(projects[0]!.environments).toEqual([]);
    const [production, staging] = projects[1]!.environments;
    expect(production).toMatchObject({
      name: 'production',
      branch: 'main',
      strategy: null, // not chosen
      lock: null,
      liveRelease: { deploymentId: dep.id, releaseId: 'r1', commit: shas[1], commitMessage: 'release two', by: 'admin@test.local', serverIds: [server.id] },
    });
    expect(staging).toMatchObject({ name: 'staging', liveRelease: null, lock: { reason: 'freeze', byEmail: 'admin@test.local' } });
  });
});

describe('GET …/releases', () => {
  it('answers one row per release with commit, servers, status and whether a variables snapshot exists', async () => {
    const env = await cp.services.environments.get('shop', 'production');
    const web2 = await json(await api('/servers', { method: 'POST', body: { name: 'web-2' } }));
    const web1 = (await cp.services.db.execute("SELECT id FROM servers WHERE name = 'web-1'")).rows[0]!.id as string;
    const first = (await json(await api('/deployments?project=shop&environment=production'))).items[0];
    const second = await json(await api('/projects/shop/environments/production/deployments', { method: 'POST', body: { commit: shas[0], force: true } }));
    const releases = cp.services.engine.releases;
    await releases.stage(env.id, web2.id, 'r1', first.id, first.commit.sha);
    await releases.activate(env.id, web2.id, 'r1');
    for (const server of [web1, web2.id]) {
      await releases.stage(env.id, server, 'r2', second.deployment.id, shas[0]!);
      await releases.activate(env.id, server, 'r2');
    }
    await releases.markBad(env.id, web2.id, 'r2');

    const body = await json(await api('/projects/shop/environments/production/releases', { token: viewer }));
    expect(body.releases).toHaveLength(4);
    const rows = body.byRelease as Record<string, any>[];
    expect(rows.map((r) => r.releaseId)).toEqual(['r2', 'r1']);
    expect(rows[0]).toMatchObject({
      deploymentId: second.deployment.id,
      status: 'live',
      commit: { sha: shas[0], message: 'release one', author: 'Ada <ada@example.test>' },
      branch: 'main',
      deployedBy: { email: 'admin@test.local' },
      hasVariablesSnapshot: false,
    });
    expect(rows[0]!.servers.map((s: { name: string; status: string }) => `${s.name}:${s.status}`).sort()).toEqual(['web-1:live', 'web-2:bad']);
    expect(rows[1]).toMatchObject({ status: 'previous', commit: { sha: shas[1], message: 'release two' } });
    expect(rows[1]!.servers.map((s: { name: string }) => s.name).sort()).toEqual(['web-1', 'web-2']);
  });

  it('says for each release whether a rollback may go to it, by the rollback rule (already live, failed, never live, marked)', async () => {
    const env = await cp.services.environments.get('shop', 'production');
    const servers = (await cp.services.db.execute("SELECT id, name FROM servers WHERE name IN ('web-1', 'web-2') ORDER BY name")).rows.map((r) => String(r.id));
    expect((await api('/projects/shop/environments/production', { method: 'PATCH', body: { serverIds: servers } })).status).toBe(200);
    const releases = cp.services.engine.releases;
    const third = await json(await api('/projects/shop/environments/production/deployments', { method: 'POST', body: { commit: shas[1], force: true } }));
    for (const server of servers) await releases.stage(env.id, server, 'r3', third.deployment.id, shas[1]!);
    const verdicts = async () =>
      Object.fromEntries(((await json(await api('/projects/shop/environments/production/releases', { token: viewer }))).byRelease as Record<string, any>[]).map((r) => [r.releaseId, r.rollback.allowed ? 'allowed' : r.rollback.reason]));
    // r2 is live on web-1 and failed on web-2; r1 went live on both before; r3 never got activated.
    expect(await verdicts()).toEqual({ r3: 'never_live', r2: 'bad', r1: 'allowed' });
    expect((await api(`/projects/shop/environments/production/releases/r3/mark`, { method: 'POST', body: { reason: 'known good build' } })).status).toBe(200);
    const marked = ((await json(await api('/projects/shop/environments/production/releases'))).byRelease as Record<string, any>[]).find((r) => r.releaseId === 'r3');
    expect(marked).toMatchObject({ marked: true, rollback: { allowed: true } });
    for (const server of servers) await releases.activate(env.id, server, 'r1');
    const live = ((await json(await api('/projects/shop/environments/production/releases'))).byRelease as Record<string, any>[]).find((r) => r.releaseId === 'r1');
    expect(live).toMatchObject({ status: 'live', rollback: { allowed: false, reason: 'already_live', message: expect.stringContaining('already live') } });
  });
});
