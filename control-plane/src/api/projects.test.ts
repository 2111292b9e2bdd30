import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

let cp: TestControlPlane;
let token: string;
let upstream: string;

const api = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
  cp.app.request(`/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.token ?? token}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
const json = async (res: Response) => (await res.json()) as Record<string, any>;

beforeAll(async () => {
  cp = await startTestControlPlane();
  token = await adminToken(cp);
  upstream = mkdtempSync(join(tmpdir(), 'devflow-upstream-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.test', ...args], { cwd: upstream });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(upstream, 'a.txt'), '1');
  git('add', '.');
  git('commit', '-q', '-m', 'one');
  writeFileSync(join(upstream, 'a.txt'), '2');
  git('commit', '-q', '-am', 'two');
  git('branch', 'release/1');
});
afterAll(async () => {
  await cp.dispose();
  rmSync(upstream, { recursive: true, force: true });
});

describe('projects API', () => {
  it('creates, lists, shows and updates a project; credentials are sealed and never returned', async () => {
    const created = await api('/projects', { method: 'POST', body: { name: 'shop', repositoryUrl: upstream, credentials: { httpsToken: 'ghp_secret123' } } });
    expect(created.status).toBe(201);
    const { project } = await json(created);
    expect(project).toMatchObject({ name: 'shop', preset: 'node', defaultBranch: 'main', credentials: { httpsToken: true, sshPrivateKey: false } });
    expect(JSON.stringify(project)).not.toContain('ghp_secret123');
    const stored = await cp.services.db.execute({ sql: 'SELECT credentials_enc FROM projects WHERE id = ?', args: [project.id] });
    expect(String(stored.rows[0]?.credentials_enc)).toMatch(/^v1\./);
    expect(String(stored.rows[0]?.credentials_enc)).not.toContain('ghp_secret123');
    expect((await cp.services.projects.source('shop')).credentials).toEqual({ httpsToken: 'ghp_secret123' });

    expect((await json(await api('/projects'))).projects.map((p: { name: string }) => p.name)).toContain('shop');
    expect((await json(await api(`/projects/${project.id}`))).project.name).toBe('shop');
    const patched = await json(await api('/projects/shop', { method: 'PATCH', body: { preset: 'static', credentials: null } }));
    expect(patched.project).toMatchObject({ preset: 'static', credentials: { httpsToken: false } });
    const audit = await cp.services.audit.list(20);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['project.create', 'project.update']));
    expect(JSON.stringify(audit)).not.toContain('ghp_secret123');
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'Shop!', repositoryUrl: upstream }, 'name'],
      [{ name: 'x', repositoryUrl: 'ext::sh -c touch% /tmp/pwned' }, 'repositoryUrl'],
      [{ name: 'x', repositoryUrl: '--upload-pack=evil' }, 'repositoryUrl'],
      [{ name: 'x', repositoryUrl: upstream, defaultBranch: '; rm -rf /' }, 'defaultBranch'],
      [{ name: 'x', repositoryUrl: upstream, preset: 'rails' }, 'preset'],
      [{ name: 'x', repositoryUrl: upstream, extra: 1 }, '(body)'],
    ];
    for (const [body, field] of cases) {
      const res = await api('/projects', { method: 'POST', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { error } = await json(res);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details.field).toBe(field);
      expect(error.message).toContain(field === '(body)' ? '' : field);
    }
  });

  it('answers a duplicate name with 409 and an unknown project with 404', async () => {
    await api('/projects', { method: 'POST', body: { name: 'dup', repositoryUrl: upstream } });
    expect((await api('/projects', { method: 'POST', body: { name: 'dup', repositoryUrl: upstream } })).status).toBe(409);
    const missing = await api('/projects/nope');
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.message).toBe('project "nope" does not exist');
  });

  it('lists branches and recent commits from the control plane mirror, refusing bad refs', async () => {
    await api('/projects', { method: 'POST', body: { name: 'browse', repositoryUrl: upstream } });
    const branches = await json(await api('/projects/browse/branches'));
    expect(branches.branches.map((b: { name: string }) => b.name).sort()).toEqual(['main', 'release/1']);
    const commits = await json(await api('/projects/browse/commits?limit=1'));
    expect(commits).toMatchObject({ branch: 'main', commits: [{ message: 'two', author: 'Ada <ada@example.test>' }] });
    for (const bad of ['; rm -rf /', '--upload-pack=touch /tmp/x', '../x']) {
      const res = await api(`/projects/browse/commits?branch=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect((await json(res)).error.details.field).toBe('branch');
    }
    expect((await api('/projects/browse/commits?branch=gone')).status).toBe(404);
  });

  it('needs a maintainer to change projects; viewers can read', async () => {
    await cp.services.users.create('viewer@test.local', 'viewer password!', 'viewer');
    const login = await cp.app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' }, body: JSON.stringify({ email: 'viewer@test.local', password: 'viewer password!' }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const headers = { cookie, 'content-type': 'application/json', 'x-devflow-csrf': '1' };
    expect((await cp.app.request('/api/projects', { headers })).status).toBe(200);
    const res = await cp.app.request('/api/projects', { method: 'POST', headers, body: JSON.stringify({ name: 'nope', repositoryUrl: upstream }) });
    expect(res.status).toBe(403);
    expect((await cp.app.request('/api/projects')).status).toBe(401);
  });

  it('deletes a project with its environments and mirror', async () => {
    const { project } = await json(await api('/projects', { method: 'POST', body: { name: 'gone', repositoryUrl: upstream } }));
    await api('/projects/gone/environments', { method: 'POST', body: { name: 'production' } });
    await api('/projects/gone/branches');
    expect(existsSync(join(cp.dataDir, 'repos', `${project.id}.git`))).toBe(true);
    expect((await api('/projects/gone', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/projects/gone')).status).toBe(404);
    expect(existsSync(join(cp.dataDir, 'repos', `${project.id}.git`))).toBe(false);
    const envs = await cp.services.db.execute({ sql: 'SELECT COUNT(*) AS n FROM environments WHERE project_id = ?', args: [project.id] });
    expect(Number(envs.rows[0]?.n)).toBe(0);
  });
});
