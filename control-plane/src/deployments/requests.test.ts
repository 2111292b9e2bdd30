import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostFacts } from '@devflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

/**
 * Pre-flight of deploy requests against a real control plane (in-process, real libsql file,
 * real git repository). Servers are marked online through the server service the agent hub
 * uses, with the host facts an agent reports; no step needs to run for these checks.
 */
let cp: TestControlPlane;
let token: string;
let upstream: string;
let roomy: string;
let full: string;
let other: string;

const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
  cp.app.request(`/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
const json = async (res: Response) => (await res.json()) as Record<string, any>;

const host = (diskFreeBytes: number): HostFacts => ({
  hostname: 'h', os: 'linux', platform: 'linux', arch: 'x64', cpus: 2, memoryBytes: 2 ** 31, diskFreeBytes, dataDir: '/var/lib/devflow', nodeVersion: 'v20.20.0',
});

beforeAll(async () => {
  cp = await startTestControlPlane({ DEVFLOW_MIN_FREE_DISK_BYTES: String(512 * 1024 * 1024) });
  token = await adminToken(cp);
  upstream = mkdtempSync(join(tmpdir(), 'devflow-upstream-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.test', ...args], { cwd: upstream });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(upstream, 'index.html'), 'hi');
  git('add', '.');
  git('commit', '-q', '-m', 'static site');
  const servers = cp.services.servers;
  [roomy, full, other] = await Promise.all(['roomy', 'full', 'other'].map(async (name) => (await servers.create('system', { name })).id)) as [string, string, string];
  await servers.markOnline(roomy, 'conn_roomy', '0.1.0', host(20 * 2 ** 30));
  await servers.markOnline(full, 'conn_full', '0.1.0', host(100 * 2 ** 20));
  await servers.markOnline(other, 'conn_other', '0.1.0', host(20 * 2 ** 30));
  expect((await api('/projects', { method: 'POST', body: { name: 'site', repositoryUrl: upstream, preset: 'static' } })).status).toBe(201);
  for (const [name, ids] of [['tight', [roomy, full]], ['locked', [roomy]]] as const) {
    expect((await api('/projects/site/environments', { method: 'POST', body: { name, serverIds: ids } })).status).toBe(201);
  }
});

afterAll(async () => {
  await cp.dispose();
  rmSync(upstream, { recursive: true, force: true });
});

describe('deploy pre-flight', () => {
  it('fails early when a server reports less free disk than the threshold, naming it', async () => {
    const res = await api('/projects/site/environments/tight/deployments', { method: 'POST', body: {} });
    expect(res.status).toBe(201);
    const { deployment, outcome } = await json(res);
    expect(outcome).toBe('failed');
    expect(deployment.status).toBe('failed');
    expect(deployment.reason).toMatch(/server "full" has only 100 MiB free in \/var\/lib\/devflow \(at least 0\.5 GiB needed\)/);
    const log = await (await api(`/deployments/${deployment.id}/logs`)).text();
    expect(log).toMatch(/\[devflow\] failed: server "full" has only 100 MiB free/);
  });

  it('a server subset without the full server passes; a server of another environment is refused', async () => {
    const ok = await json(await api('/projects/site/environments/tight/deployments', { method: 'POST', body: { serverIds: [roomy] } }));
    expect(ok.outcome).toBe('queued');
    await api(`/deployments/${ok.deployment.id}/cancel`, { method: 'POST' });
    const res = await api('/projects/site/environments/tight/deployments', { method: 'POST', body: { serverIds: [other] } });
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toMatch(/server "srv_.*" is not assigned to environment "tight"/);
  });

  it('a locked environment needs force for manual deploys; webhook deploys are recorded skipped with the reason', async () => {
    expect((await api('/projects/site/environments/locked/lock', { method: 'POST', body: { reason: 'database migration in progress' } })).status).toBe(200);
    const refused = await api('/projects/site/environments/locked/deployments', { method: 'POST', body: {} });
    expect(refused.status).toBe(409);
    expect((await json(refused)).error.message).toMatch(/locked by .*: database migration in progress; deploy with force and a reason/);

    const hook = await cp.services.engine.requests.deploy('system', 'site', 'locked', {}, 'webhook');
    expect(hook.outcome).toBe('skipped');
    expect(hook.deployment.reason).toMatch(/database migration in progress/);

    const forced = await json(await api('/projects/site/environments/locked/deployments', { method: 'POST', body: { force: true, forceReason: 'the migration is done' } }));
    expect(forced.outcome).toBe('queued');
    expect(forced.deployment.options).toMatchObject({ force: true, overrode: ['lock'], forceReason: 'the migration is done' });
    const cancelled = await json(await api(`/deployments/${forced.deployment.id}/cancel`, { method: 'POST' }));
    expect(['cancelled', 'running']).toContain(cancelled.deployment.status);
  });

  it('refuses a log cursor it did not issue', async () => {
    const list = await json(await api('/deployments?limit=1'));
    const res = await api(`/deployments/${list.items[0].id}/logs?format=json&after=${encodeURIComponent('1:2;drop')}`);
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toMatch(/not a log cursor/);
    const text = await api(`/deployments/${list.items[0].id}/logs?format=text&after=${encodeURIComponent('1:2;drop')}`);
    expect(text.status).toBe(400);
    expect((await json(text)).error.message).toMatch(/not a log cursor/);
  });
});
