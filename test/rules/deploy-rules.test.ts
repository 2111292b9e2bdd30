import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineControlPlane, type RunningControlPlane } from '../helpers/control-plane.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp.js';
import { prepareAppDir, startAgent, type TestAgent } from '../helpers/agent.js';
import { Api, deployment, waitFinal } from '../helpers/api.js';
import { ExampleRepo } from '../helpers/example-repo.js';
import { freePort } from '../helpers/net.js';
import { waitFor } from '../helpers/wait.js';
import { githubDelivery, githubPushPayload } from '../../control-plane/test-support/webhook-payloads.js';

/**
 * Deployment rules against a real control plane process and a real agent (issue 13 items 1 and 3):
 * "only if the previous deployment succeeded" and freeze windows, for webhook, schedule and
 * manual deployments, with the overrides audited.
 */
let cp: RunningControlPlane;
let api: Api;
let repo: ExampleRepo;
let agent: TestAgent;
let secret: string;
let hookUrl: string;
const ENV = '/api/projects/shop/environments/production';
const FAILING_BUILD = { argv: ['node', '-e', 'console.error("build broke"); process.exit(3)'] };

type Reply = { status: number; body: Record<string, any> };
async function push(version: string): Promise<Reply> {
  repo.write({ VERSION: `${version}\n` });
  const head = { sha: repo.commit(`release ${version}`), message: `release ${version}` };
  const d = githubDelivery('push', githubPushPayload('refs/heads/main', head), secret);
  const res = await fetch(hookUrl, { method: 'POST', headers: d.headers, body: d.body });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function auditRows(action: string): Promise<{ actor: string; target: string; details: Record<string, any> }[]> {
  const db = createClient({ url: `file:${join(cp.dataDir, 'devflow.db')}` });
  try {
    const rs = await db.execute({ sql: 'SELECT actor, target, details FROM audit_log WHERE action = ? ORDER BY id', args: [action] });
    return rs.rows.map((r) => ({ actor: String(r.actor), target: String(r.target), details: JSON.parse(String(r.details ?? '{}')) as Record<string, any> }));
  } finally {
    db.close();
  }
}

/** A session of a user with the given role (created by the admin). */
async function sessionAs(role: string): Promise<Api> {
  const email = `${role}@rules.test`;
  const password = `${role} password for rules`;
  expect((await api.call('POST', '/api/users', { email, password, role })).status).toBe(201);
  const res = await fetch(`${cp.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' }, body: JSON.stringify({ email, password }) });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return new Api(cp.url, { cookie, 'content-type': 'application/json', 'x-devflow-csrf': '1' });
}

beforeAll(async () => {
  repo = new ExampleRepo();
  cp = await startEngineControlPlane();
  api = await Api.login(cp.url);
  agent = await startAgent(api, 'rules-1', '127.0.0.1');
  prepareAppDir(agent, 'shop-production');
  const port = await freePort();
  expect((await api.call('POST', '/api/projects', { name: 'shop', repositoryUrl: repo.dir, preset: 'node' })).status).toBe(201);
  const env = await api.call('POST', '/api/projects/shop/environments', { name: 'production', branch: 'main', port, serverIds: [agent.id], autoDeploy: true });
  expect(env.status, JSON.stringify(env.body)).toBe(201);
  const hook = await api.call<{ url: string; secret: string }>('POST', '/api/projects/shop/webhook');
  ({ url: hookUrl, secret } = hook.body);
}, 90_000);

afterAll(async () => {
  await stopAll();
  removeTempDirs();
});

describe('only if the previous deployment succeeded', () => {
  let failedId: string;

  it('is on by default and shows the failure that holds the environment', async () => {
    expect((await api.call('PATCH', ENV, { pipeline: { build: FAILING_BUILD } })).status).toBe(200);
    const started = await api.call<{ deployment: { id: string } }>('POST', `${ENV}/deployments`, {});
    expect(started.status).toBe(201);
    failedId = started.body.deployment.id;
    expect((await waitFinal(api, failedId)).status).toBe('failed');
    const env = (await api.call<{ environment: Record<string, any> }>('GET', ENV)).body.environment;
    expect(env.requirePreviousSuccess).toBe(true);
    expect(env.previousFailure).toMatchObject({ deploymentId: failedId, status: 'failed' });
  }, 90_000);

  it('skips a webhook deployment, naming the failed deployment', async () => {
    const reply = await push('v2');
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const [d] = reply.body.deployments;
    expect(d).toMatchObject({ environment: 'production', status: 'skipped' });
    expect(d.reason).toContain(failedId);
    expect(d.reason).toMatch(/deploys only after a successful one/);
    const stored = (await api.call<{ deployment: Record<string, any> }>('GET', `/api/deployments/${d.deploymentId}`)).body.deployment;
    expect(stored).toMatchObject({ status: 'skipped', blockedBy: failedId, trigger: 'webhook' });
  });

  it('refuses a manual deployment without force (409 naming the failure); force deploys, audited; success clears the rule', async () => {
    expect((await api.call('PATCH', ENV, { pipeline: {} })).status).toBe(200);
    const refused = await api.call<{ error: { code: string; message: string; details: Record<string, any> } }>('POST', `${ENV}/deployments`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(failedId);
    expect(refused.body.error.details.previousFailure.deploymentId).toBe(failedId);
    const forced = await api.call<{ deployment: { id: string } }>('POST', `${ENV}/deployments`, { force: true });
    expect(forced.status).toBe(201);
    { const f = await waitFinal(api, forced.body.deployment.id); expect(f.status, `${f.reason} ${JSON.stringify(f.failure)}`).toBe('succeeded'); }
    const audit = (await auditRows('deployment.create')).find((a) => a.target === forced.body.deployment.id);
    expect(audit?.details.overrode).toEqual([`previous-failed:${failedId}`]);
    expect((await api.call<{ environment: Record<string, any> }>('GET', ENV)).body.environment.previousFailure).toBeNull();
    const next = await push('v3');
    expect(next.body.deployments[0].status).toBe('queued');
    expect((await waitFinal(api, next.body.deployments[0].deploymentId)).status).toBe('succeeded');
  }, 90_000);

  it('can be turned off per environment: a webhook deployment then runs after a failure', async () => {
    expect((await api.call('PATCH', ENV, { requirePreviousSuccess: false, pipeline: { build: FAILING_BUILD } })).status).toBe(200);
    // The live commit again: force runs it (else it is skipped as already live).
    const failing = await api.call<{ deployment: { id: string } }>('POST', `${ENV}/deployments`, { force: true });
    { const f = await waitFinal(api, failing.body.deployment.id); expect(f.status, `${f.reason}`).toBe('failed'); }
    expect((await api.call('PATCH', ENV, { pipeline: {} })).status).toBe(200);
    const reply = await push('v4');
    expect(reply.body.deployments[0].status).toBe('queued');
    expect((await waitFinal(api, reply.body.deployments[0].deploymentId)).status).toBe('succeeded');
    expect((await api.call('PATCH', ENV, { requirePreviousSuccess: true })).status).toBe(200);
  }, 90_000);
});

describe('freeze windows', () => {
  let freezeId: string;

  it('refuses bad windows with 400 naming the field, and stores nothing', async () => {
    const now = Date.now();
    const bad: [Record<string, unknown>, string][] = [
      [{ from: new Date(now + 3600_000).toISOString(), to: new Date(now).toISOString(), reason: 'x' }, 'to'],
      [{ cron: '0 18 * * FRI', durationMinutes: 60, timezone: 'Mars/Olympus', reason: 'x' }, 'timezone'],
      [{ cron: 'every friday', durationMinutes: 60, reason: 'x' }, 'cron'],
      [{ cron: '0 18 * * FRI', reason: 'x' }, 'durationMinutes'],
      [{ from: 'tomorrow', to: new Date(now).toISOString(), reason: 'x' }, 'from'],
      [{ from: new Date(now).toISOString(), to: new Date(now + 1000).toISOString(), reason: '' }, 'reason'],
    ];
    for (const [body, field] of bad) {
      const res = await api.call<{ error: { message: string; details: { field: string } } }>('POST', '/api/projects/shop/freezes', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.field).toBe(field);
      expect(res.body.error.message.startsWith(`${field}:`)).toBe(true);
    }
    expect((await api.call<{ freezes: unknown[] }>('GET', '/api/projects/shop/freezes')).body.freezes).toEqual([]);
  });

  it('a one-off window skips webhook and schedule deployments with its reason; the calendar shows it', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 3600_000).toISOString();
    const added = await api.call<{ freeze: { id: string } }>('POST', '/api/projects/shop/freezes', { environment: 'production', from, to, reason: 'year-end change freeze' });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    freezeId = added.body.freeze.id;
    const cal = await api.call<{ periods: { windowId: string; reason: string }[] }>('GET', `${ENV}/freezes`);
    expect(cal.body.periods).toEqual([expect.objectContaining({ windowId: freezeId, reason: 'year-end change freeze' })]);

    const reply = await push('v5');
    expect(reply.body.deployments[0]).toMatchObject({ status: 'skipped' });
    expect(reply.body.deployments[0].reason).toMatch(/frozen until .*year-end change freeze/);
    expect((await deployment(api, reply.body.deployments[0].deploymentId)) as unknown).toMatchObject({ blockedBy: freezeId });

    // Every second: the first tick inside the window is recorded skipped.
    expect((await api.call('PUT', `${ENV}/schedule`, { cron: '* * * * * *', timezone: 'UTC' })).status).toBe(200);
    const fire = await waitFor('a schedule tick', async () => {
      const s = await api.call<{ fires: { outcome: string; deploymentId: string | null }[] }>('GET', `${ENV}/schedule`);
      return s.body.fires.find((f) => f.deploymentId !== null);
    }, 20_000);
    expect((await api.call('DELETE', `${ENV}/schedule`)).status).toBe(204);
    expect(fire.outcome).toBe('skipped');
    const scheduled = await deployment(api, fire.deploymentId ?? '');
    expect(scheduled).toMatchObject({ status: 'skipped' });
    expect(scheduled.reason).toMatch(/year-end change freeze/);
  }, 60_000);

  it('a manual deployment needs an admin, force and a reason; the override is audited', async () => {
    const plain = await api.call<{ error: { message: string } }>('POST', `${ENV}/deployments`, {});
    expect(plain.status).toBe(409);
    expect(plain.body.error.message).toMatch(/an admin can deploy with force and a reason/);
    const deployer = await sessionAs('deployer');
    const notAdmin = await deployer.call('POST', `${ENV}/deployments`, { force: true, forceReason: 'hotfix' });
    expect(notAdmin.status).toBe(403);
    const noReason = await api.call<{ error: { details: { field: string } } }>('POST', `${ENV}/deployments`, { force: true });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details.field).toBe('forceReason');
    const forced = await api.call<{ deployment: { id: string } }>('POST', `${ENV}/deployments`, { force: true, forceReason: 'security hotfix CVE-2026-1' });
    expect(forced.status, JSON.stringify(forced.body)).toBe(201);
    { const f = await waitFinal(api, forced.body.deployment.id); expect(f.status, `${f.reason} ${JSON.stringify(f.failure)}`).toBe('succeeded'); }
    const audit = (await auditRows('deployment.create')).find((a) => a.target === forced.body.deployment.id);
    expect(audit?.actor).toMatch(/^usr_/);
    expect(audit?.details).toMatchObject({ overrode: [`freeze:${freezeId}`], forceReason: 'security hotfix CVE-2026-1' });
  }, 60_000);

  it('a recurring window covers its periods in its time zone; removing a window lifts the freeze', async () => {
    const rec = await api.call<{ freeze: { id: string } }>('POST', '/api/projects/shop/freezes', { cron: '0 18 * * FRI', durationMinutes: 3840, timezone: 'Europe/Berlin', reason: 'weekend' });
    expect(rec.status).toBe(201);
    // Friday 2026-12-11 18:00 Berlin (17:00 UTC) until Monday 2026-12-14 10:00 Berlin.
    const cal = await api.call<{ periods: { windowId: string; start: number; end: number }[] }>('GET', `${ENV}/freezes?from=2026-12-10T00:00:00Z&to=2026-12-17T00:00:00Z`);
    const weekend = cal.body.periods.filter((p) => p.windowId === rec.body.freeze.id);
    expect(weekend.map((p) => [new Date(p.start).toISOString(), new Date(p.end).toISOString()])).toEqual([['2026-12-11T17:00:00.000Z', '2026-12-14T09:00:00.000Z']]);
    expect((await api.call('DELETE', `/api/projects/shop/freezes/${rec.body.freeze.id}`)).status).toBe(204);
    expect((await api.call('DELETE', `/api/projects/shop/freezes/${freezeId}`)).status).toBe(204);
    expect((await api.call('DELETE', `/api/projects/shop/freezes/${freezeId}`)).status).toBe(404);
    const reply = await push('v6');
    expect(reply.body.deployments[0].status).toBe('queued');
    expect((await waitFinal(api, reply.body.deployments[0].deploymentId)).status).toBe('succeeded');
    const actions = (await auditRows('freeze.add')).length + (await auditRows('freeze.remove')).length;
    expect(actions).toBe(4);
  }, 60_000);
});
