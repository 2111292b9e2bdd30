import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepRunPayload, type StepResult } from '@devflow/protocol';
import { AgentPeer, type PeerSocket } from '../../test-support/agent-peer.js';
import { adminToken, jsonHeaders, loginCookie, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

/**
 * Rollback rules (issue 17 items 6-7, issue 18 item 6) and lock overrides, against a real control
 * plane with an in-process agent that answers every step: a rollback goes only to a release that
 * once went live, a release already live is refused up front, a lock holds for rollbacks like for
 * deployments, overriding it takes maintainer + reason and is audited, and the environment's
 * approval rule decides whether rollbacks wait.
 */
let cp: TestControlPlane;
let upstream: string;
let socket: PeerSocket;
const tokens: Record<'admin' | 'maintainer' | 'deployer', string> = { admin: '', maintainer: '', deployer: '' };
/** Steps of kind `exec` fail while this is set (a build that fails before activation). */
let failExec = false;
const base = '/projects/site/environments/production';

const api = async (as: keyof typeof tokens, path: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await cp.app.request(`/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${tokens[as]}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, any> };
};

const result = (status: StepResult['status'], exitCode: number | null): StepResult => ({ status, exitCode, signal: null, durationMs: 1, lastSeq: 0 });

async function finished(id: string): Promise<Record<string, any>> {
  let d: Record<string, any> = {};
  for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 25))) {
    d = (await api('admin', `/deployments/${id}`)).body.deployment;
    if (d.finishedAt) break;
  }
  return d;
}

async function deploy(body: Record<string, unknown> = { force: true }): Promise<Record<string, any>> {
  const res = await api('admin', `${base}/deployments`, { method: 'POST', body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return finished(res.body.deployment.id);
}

const deploymentCount = async () => (await api('admin', '/deployments?limit=100')).body.items.length as number;
const logText = async (id: string) => (await cp.app.request(`/api/deployments/${id}/logs`, { headers: { authorization: `Bearer ${tokens.admin}` } })).text();

async function userToken(email: string, role: string): Promise<string> {
  const password = 'Plenty-of-distinct-chars-42';
  const created = await api('admin', '/users', { method: 'POST', body: { email, password, role } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const res = await cp.app.request('/api/tokens', { method: 'POST', headers: jsonHeaders(await loginCookie(cp, email, password)), body: JSON.stringify({ name: 't' }) });
  return ((await res.json()) as { token: string }).token;
}

let good: Record<string, any>;
let live: Record<string, any>;
let neverLive: Record<string, any>;

beforeAll(async () => {
  cp = await startTestControlPlane({ DEVFLOW_MIN_FREE_DISK_BYTES: '1' });
  tokens.admin = await adminToken(cp);
  tokens.maintainer = await userToken('mia@test.local', 'maintainer');
  tokens.deployer = await userToken('dan@test.local', 'deployer');
  upstream = mkdtempSync(join(tmpdir(), 'devflow-upstream-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.test', ...args], { cwd: upstream });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(upstream, 'index.html'), 'hi');
  writeFileSync(join(upstream, 'devflow.yml'), 'install: { argv: ["npm", "ci"] }\n');
  git('add', '.');
  git('commit', '-q', '-m', 'site');
  const peer = await AgentPeer.enroll(cp, 'web-a');
  socket = await peer.online(cp);
  void (async () => {
    const key = await importJWK(peer.controlPlanePublicKey, 'EdDSA');
    for (;;) {
      const run = await socket.next('step.run', () => true, 120_000).catch(() => null);
      if (!run) return;
      const { stepId, spec } = StepRunPayload.parse(JSON.parse(new TextDecoder().decode((await compactVerify(run.jws, key)).payload)));
      socket.send({ type: 'step.started', stepId, pid: null, startedAt: Date.now() });
      socket.send({ type: 'step.done', stepId, result: spec.kind === 'exec' && failExec ? result('failed', 1) : result('succeeded', 0) });
    }
  })();
  expect((await api('admin', '/projects', { method: 'POST', body: { name: 'site', repositoryUrl: upstream, preset: 'static' } })).status).toBe(201);
  expect((await api('admin', '/projects/site/environments', { method: 'POST', body: { name: 'production', serverIds: [peer.agentId], requirePreviousSuccess: false } })).status).toBe(201);
  good = await deploy({});
  live = await deploy();
  failExec = true;
  neverLive = await deploy();
  failExec = false;
  expect([good.status, live.status, neverLive.status]).toEqual(['succeeded', 'succeeded', 'failed']);
});

afterAll(async () => {
  socket?.close();
  await cp?.dispose();
  rmSync(upstream, { recursive: true, force: true });
});

describe('rollback targets', () => {
  it('refuses a release that never went live (its build failed), creating nothing', async () => {
    const before = await deploymentCount();
    const res = await api('deployer', `${base}/rollback`, { method: 'POST', body: { toDeploymentId: neverLive.id } });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/never went live on every server/);
    expect(await deploymentCount()).toBe(before);
  });

  it('refuses the release that is already live with "already live", creating nothing', async () => {
    const before = await deploymentCount();
    const res = await api('deployer', `${base}/rollback`, { method: 'POST', body: { toDeploymentId: live.id } });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/already live/);
    expect(res.body.error.details.reason).toBe('already_live');
    expect(await deploymentCount()).toBe(before);
  });

  it('by default skips the failed one and restores the release live before', async () => {
    const res = await api('deployer', `${base}/rollback`, { method: 'POST', body: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.deployment.rollbackOf).toBe(good.id);
    expect((await finished(res.body.deployment.id)).status).toBe('succeeded');
  });
  it('a release a maintainer marked (with a reason) may be rolled back to; a deployer cannot mark', async () => {
    const release = neverLive.releaseId as string;
    expect(release).toBeTruthy();
    const byDeployer = await api('deployer', `${base}/releases/${release}/mark`, { method: 'POST', body: { reason: 'x' } });
    expect(byDeployer.status).toBe(403);
    const noReason = await api('maintainer', `${base}/releases/${release}/mark`, { method: 'POST', body: {} });
    expect(noReason.status).toBe(400);
    expect((await api('maintainer', `${base}/releases/rel_nope/mark`, { method: 'POST', body: { reason: 'x' } })).status).toBe(404);
    const marked = await api('maintainer', `${base}/releases/${release}/mark`, { method: 'POST', body: { reason: 'only the cache warm-up failed; the build is complete' } });
    expect(marked.status, JSON.stringify(marked.body)).toBe(200);
    expect((await cp.services.audit.list(20)).find((a) => a.action === 'release.mark')?.details).toMatchObject({ reason: 'only the cache warm-up failed; the build is complete' });
    // Marked: the by-id check lets it through (the request is accepted), then the mark is removed again.
    const res = await api('deployer', `${base}/rollback`, { method: 'POST', body: { toDeploymentId: neverLive.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await finished(res.body.deployment.id);
    expect((await api('maintainer', `${base}/releases/${release}/mark`, { method: 'DELETE' })).status).toBe(204);
    const again = await api('deployer', `${base}/rollback`, { method: 'POST', body: { toDeploymentId: good.id } });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect((await finished(again.body.deployment.id)).status).toBe('succeeded');
  });
});

describe('the deploy lock', () => {
  beforeAll(async () => {
    expect((await api('maintainer', `${base}/lock`, { method: 'POST', body: { reason: 'database migration in progress' } })).status).toBe(200);
  });
  afterAll(async () => {
    expect((await api('maintainer', `${base}/lock`, { method: 'DELETE' })).status).toBe(200);
  });

  it('holds for rollbacks: refused without force, nothing created', async () => {
    const before = await deploymentCount();
    const res = await api('deployer', `${base}/rollback`, { method: 'POST', body: { toDeploymentId: live.id } });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/locked by mia@test\.local .*database migration in progress.*force and a reason/);
    expect(await deploymentCount()).toBe(before);
  });

  it('a deployer cannot force past it (deploy or rollback): 403 naming the roles and the lock owner', async () => {
    const before = await deploymentCount();
    for (const [path, body] of [[`${base}/deployments`, { force: true, forceReason: 'hotfix' }], [`${base}/rollback`, { force: true, forceReason: 'hotfix' }]] as const) {
      const res = await api('deployer', path, { method: 'POST', body });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/needs one of the roles admin, maintainer \(you are deployer\): ask mia@test\.local to unlock/);
    }
    expect(await deploymentCount()).toBe(before);
  });

  it('a maintainer must give a reason', async () => {
    const before = await deploymentCount();
    const res = await api('maintainer', `${base}/deployments`, { method: 'POST', body: { force: true } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^forceReason: say why you override the lock of mia@test\.local/);
    expect(await deploymentCount()).toBe(before);
  });

  it('an override by a maintainer with a reason runs, is audited and logged naming both people', async () => {
    const res = await api('admin', `${base}/deployments`, { method: 'POST', body: { force: true, forceReason: 'security fix, agreed with Mia' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const d = await finished(res.body.deployment.id);
    expect(d.status).toBe('succeeded');
    expect(d.options).toMatchObject({ force: true, overrode: ['lock'], forceReason: 'security fix, agreed with Mia' });
    expect(await logText(d.id)).toMatch(/deploy lock overridden: admin@test\.local overrode the lock of mia@test\.local .*"database migration in progress".*reason: security fix, agreed with Mia/);
    const entries = await cp.services.audit.list(50);
    expect(entries.find((e) => e.action === 'environment.lock_override')?.details).toMatchObject({ deployment: d.id, lockedByEmail: 'mia@test.local', reason: 'security fix, agreed with Mia' });
  });

  it('a rollback over the lock by a maintainer with a reason runs', async () => {
    const res = await api('maintainer', `${base}/rollback`, { method: 'POST', body: { force: true, forceReason: 'the fix broke checkout' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const d = await finished(res.body.deployment.id);
    expect(d.status).toBe('succeeded');
    expect(await logText(d.id)).toMatch(/deploy lock overridden: mia@test\.local overrode the lock of mia@test\.local/);
  });
});

describe('approval of rollbacks (environment setting approval.rollbacks)', () => {
  it('off (the default): the rollback is queued and the log says no approval was needed', async () => {
    expect((await api('admin', base, { method: 'PATCH', body: { approval: { required: true } } })).status).toBe(200);
    const res = await api('deployer', `${base}/rollback`, { method: 'POST', body: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.deployment.status).toBe('queued');
    await finished(res.body.deployment.id);
    expect(await logText(res.body.deployment.id)).toMatch(/approval: not needed for rollbacks of "production" \(environment setting approval.rollbacks is off\)/);
  });

  it('on: the rollback waits for approval', async () => {
    const env = await api('admin', base, { method: 'PATCH', body: { approval: { required: true, rollbacks: true } } });
    expect(env.body.environment.approval).toMatchObject({ required: true, rollbacks: true });
    const res = await api('deployer', `${base}/rollback`, { method: 'POST', body: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.deployment.status).toBe('pending_approval');
    expect((await api('admin', `/deployments/${res.body.deployment.id}/cancel`, { method: 'POST' })).status).toBeLessThan(500);
  });
});
