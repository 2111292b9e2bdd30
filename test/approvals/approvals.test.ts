import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostFacts } from '@devflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, jsonHeaders, loginCookie, startTestControlPlane, type TestControlPlane } from '../../control-plane/test-support/harness.js';
import { DEPLOYMENTS_TOPIC } from '../../control-plane/src/events/topics.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Approvals through the API of a real in-process control plane (libsql file, real git repo).
 * The server is marked online through the service the agent hub uses; no agent runs, so an
 * approved deployment is only checked to leave `pending_approval` for the queue.
 */
let cp: TestControlPlane;
let adminBearer: string;
let upstream: string;
const users: Record<'ann' | 'bob' | 'vic' | 'dee', string> = { ann: '', bob: '', vic: '', dee: '' };
const PASSWORD = 'a long enough password';

type Json = Record<string, any>;
async function call(who: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const headers = who === 'admin' ? { authorization: `Bearer ${adminBearer}`, 'content-type': 'application/json' } : jsonHeaders(who);
  const res = await cp.app.request(`/api${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Json };
}
const as = (name: keyof typeof users) => users[name];

const host: HostFacts = { hostname: 'h', os: 'linux', platform: 'linux', arch: 'x64', cpus: 2, memoryBytes: 2 ** 31, diskFreeBytes: 2 ** 40, dataDir: '/srv', nodeVersion: 'v20.20.0' };

async function env(name: string, settings: Json): Promise<void> {
  const serverId = (await cp.services.servers.create('system', { name: `srv-${name}` })).id;
  await cp.services.servers.markOnline(serverId, `conn_${name}`, '0.1.0', host);
  const res = await call('admin', 'POST', '/projects/shop/environments', { name, serverIds: [serverId], ...settings });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function deploy(who: string, envName: string): Promise<Json> {
  const res = await call(who, 'POST', `/projects/shop/environments/${envName}/deployments`, {});
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.deployment as Json;
}

beforeAll(async () => {
  cp = await startTestControlPlane({ DEVFLOW_MIN_FREE_DISK_BYTES: '1' });
  adminBearer = await adminToken(cp);
  for (const [name, role] of [['ann', 'approver'], ['bob', 'approver'], ['vic', 'viewer'], ['dee', 'deployer']] as const) {
    await cp.services.users.create(`${name}@test.local`, PASSWORD, role);
    users[name] = await loginCookie(cp, `${name}@test.local`, PASSWORD);
  }
  upstream = mkdtempSync(join(tmpdir(), 'devflow-approvals-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.test', ...args], { cwd: upstream });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(upstream, 'index.html'), 'hi');
  git('add', '.');
  git('commit', '-q', '-m', 'static site');
  expect((await call('admin', 'POST', '/projects', { name: 'shop', repositoryUrl: upstream, preset: 'static' })).status).toBe(201);
  await env('production', { approval: { required: true } });
  await env('two', { approval: { required: true, approvers: 2 } });
  await env('brief', { approval: { required: true, expiresAfterSeconds: 1 } });
});

afterAll(async () => {
  await cp?.dispose();
  if (upstream) rmSync(upstream, { recursive: true, force: true });
});

describe('approval rule on environments', () => {
  it('is validated and shown with its defaults', async () => {
    const bad = await call('admin', 'PATCH', '/projects/shop/environments/production', { approval: { required: true, approvers: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^approval\.approvers: at least 1/);
    const unknown = await call('admin', 'PATCH', '/projects/shop/environments/production', { approval: { required: true, quorum: 2 } });
    expect(unknown.status).toBe(400);
    const got = await call('admin', 'GET', '/projects/shop/environments/production');
    expect(got.body.environment.approval).toEqual({ required: true, approvers: 1, expiresAfterSeconds: 86_400, rollbacks: false });
    expect(got.body.environment.autoDeploy).toBe(false);
  });
});

describe('deployments that need approval', () => {
  it('are created pending_approval, not queued, and listed with their rule', async () => {
    const events: Json[] = [];
    const unsubscribe = await cp.services.bus.subscribe(DEPLOYMENTS_TOPIC, (e) => events.push(e as Json));
    const dep = await deploy('admin', 'production');
    expect(dep.status).toBe('pending_approval');
    expect(dep.position).toBeNull();
    const queue = await call('admin', 'GET', '/queue');
    expect(JSON.stringify(queue.body)).not.toContain(dep.id);
    const list = await call(as('vic'), 'GET', '/approvals');
    const entry = list.body.approvals.find((a: Json) => a.deployment.id === dep.id);
    expect(entry).toMatchObject({ project: 'shop', environment: 'production', required: 1, approvals: [], rejection: null });
    expect(entry.expiresAt - dep.createdAt).toBeGreaterThanOrEqual(86_400_000);
    await waitFor('pending status event', async () => events.some((e) => e.deploymentId === dep.id && e.status === 'pending_approval'), 5000);
    await unsubscribe();
  });

  it('cannot be approved by the user who requested it, nor by a viewer', async () => {
    const dep = await deploy(as('dee'), 'production');
    const own = await call(as('dee'), 'POST', `/deployments/${dep.id}/approve`);
    expect(own.status).toBe(403); // deployers may not approve at all
    const admin = await deploy('admin', 'production');
    const self = await call('admin', 'POST', `/deployments/${admin.id}/approve`);
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/you requested deployment .*; approvers cannot approve their own deployment/);
    const viewer = await call(as('vic'), 'POST', `/deployments/${admin.id}/approve`);
    expect(viewer.status).toBe(403);
    expect(viewer.body.error.message).toMatch(/needs one of the roles: admin, approver, maintainer \(you are viewer\)/);
    expect((await call('admin', 'GET', `/deployments/${admin.id}`)).body.deployment.status).toBe('pending_approval');
  });

  it('is queued once another user approves, with the approval logged and audited', async () => {
    const dep = await deploy('admin', 'production');
    const res = await call(as('ann'), 'POST', `/deployments/${dep.id}/approve`);
    expect(res.status).toBe(200);
    expect(res.body.approval.approvals.map((a: Json) => a.email)).toEqual(['ann@test.local']);
    expect(res.body.approval.deployment.status).not.toBe('pending_approval');
    const log = await (await cp.app.request(`/api/deployments/${dep.id}/logs`, { headers: { authorization: `Bearer ${adminBearer}` } })).text();
    expect(log).toMatch(/approved by ann@test\.local \(1 of 1\): queued/);
    const audit = await cp.services.audit.list(50);
    expect(audit.some((a) => a.action === 'deployment.approve' && a.target === dep.id)).toBe(true);
    const again = await call(as('bob'), 'POST', `/deployments/${dep.id}/approve`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/only a deployment pending approval can be approved/);
  });

  it('waits for as many approvers as the rule asks, each counted once', async () => {
    const dep = await deploy('admin', 'two');
    const first = await call(as('ann'), 'POST', `/deployments/${dep.id}/approve`);
    expect(first.body.approval.deployment.status).toBe('pending_approval');
    const twice = await call(as('ann'), 'POST', `/deployments/${dep.id}/approve`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/you already approved/);
    const second = await call(as('bob'), 'POST', `/deployments/${dep.id}/approve`);
    expect(second.body.approval.approvals).toHaveLength(2);
    expect(second.body.approval.deployment.status).not.toBe('pending_approval');
  });

  it('a rejection ends it rejected with who and why', async () => {
    const dep = await deploy('admin', 'production');
    const res = await call(as('bob'), 'POST', `/deployments/${dep.id}/reject`, { reason: 'freeze until Monday' });
    expect(res.status).toBe(200);
    expect(res.body.approval.rejection).toMatchObject({ email: 'bob@test.local', reason: 'freeze until Monday' });
    const after = (await call('admin', 'GET', `/deployments/${dep.id}`)).body.deployment;
    expect(after).toMatchObject({ status: 'rejected', reason: 'rejected by bob@test.local: freeze until Monday' });
    expect((await call(as('ann'), 'POST', `/deployments/${dep.id}/approve`)).status).toBe(409);
    const audit = await cp.services.audit.list(50);
    expect(audit.find((a) => a.action === 'deployment.reject' && a.target === dep.id)?.details).toEqual({ reason: 'freeze until Monday' });
    const list = await call('admin', 'GET', '/approvals');
    expect(list.body.approvals.some((a: Json) => a.deployment.id === dep.id)).toBe(false);
  });

  it('the requester can withdraw it with cancel while it waits', async () => {
    const dep = await deploy(as('dee'), 'production');
    const res = await call(as('dee'), 'POST', `/deployments/${dep.id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body.deployment).toMatchObject({ status: 'cancelled', reason: 'cancelled by dee@test.local' });
    expect((await call(as('ann'), 'POST', `/deployments/${dep.id}/approve`)).status).toBe(409);
  });

  it('expires: nobody approved in time -> rejected "approval expired"', async () => {
    const dep = await deploy('admin', 'brief');
    const done = await waitFor('approval to expire', async () => {
      const d = (await call('admin', 'GET', `/deployments/${dep.id}`)).body.deployment;
      return d.status === 'pending_approval' ? undefined : d;
    }, 10_000);
    expect(done.status).toBe('rejected');
    expect(done.reason).toMatch(/^approval expired: nobody approved it since /);
    expect((await cp.services.audit.list(50)).some((a) => a.action === 'deployment.approval_expired' && a.target === dep.id)).toBe(true);
  });
});

describe('expiry across a restart', () => {
  it('a pending deployment whose time ran out while the control plane was down is rejected at boot', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'devflow-approvals-restart-'));
    let first: TestControlPlane | undefined = await startTestControlPlane({ DEVFLOW_DATA_DIR: dataDir, DEVFLOW_MIN_FREE_DISK_BYTES: '1' });
    let second: TestControlPlane | undefined;
    try {
      const s = first.services;
      const project = await s.projects.create('system', { name: 'later', repositoryUrl: upstream, preset: 'static' });
      const server = await s.servers.create('system', { name: 'later-1' });
      await s.servers.markOnline(server.id, 'conn_later', '0.1.0', host);
      await s.environments.create('system', project.id, { name: 'prod', serverIds: [server.id], approval: { required: true, expiresAfterSeconds: 2 } });
      const { deployment } = await s.engine.requests.deploy('system', 'later', 'prod', {}, 'api');
      expect(deployment.status).toBe('pending_approval');
      await first.dispose();
      first = undefined;
      await new Promise((r) => setTimeout(r, 2100));
      second = await startTestControlPlane({ DEVFLOW_DATA_DIR: dataDir, DEVFLOW_MIN_FREE_DISK_BYTES: '1' });
      const store = second.services.engine.store;
      const done = await waitFor('expiry after restart', async () => {
        const d = await store.get(deployment.id);
        return d.status === 'pending_approval' ? undefined : d;
      }, 10_000);
      expect(done).toMatchObject({ status: 'rejected' });
      expect(done.reason).toMatch(/^approval expired/);
    } finally {
      await first?.dispose();
      await second?.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
