import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineControlPlane, type RunningControlPlane } from '../helpers/control-plane.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp.js';
import { prepareAppDir, startAgent, type TestAgent } from '../helpers/agent.js';
import { Api, deployment, waitFinal } from '../helpers/api.js';
import { ExampleRepo } from '../helpers/example-repo.js';
import { freePort, httpGet } from '../helpers/net.js';
import { githubDelivery, githubPushPayload } from '../../control-plane/test-support/webhook-payloads.js';

/**
 * End to end: a push to a production branch that needs approval waits, the requester cannot
 * approve, an approver does, and the real agent deploys the pushed commit.
 */
let cp: RunningControlPlane;
let admin: Api;
let approver: Api;
let repo: ExampleRepo;
let agent: TestAgent;
let port: number;

async function loginAs(url: string, email: string, password: string): Promise<Api> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' }, body: JSON.stringify({ email, password }) });
  expect(res.status).toBe(200);
  return new Api(url, { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '', 'content-type': 'application/json', 'x-devflow-csrf': '1' });
}

beforeAll(async () => {
  repo = new ExampleRepo();
  cp = await startEngineControlPlane();
  admin = await Api.login(cp.url);
  expect((await admin.call('POST', '/api/users', { email: 'rita@e2e.local', password: 'rita approves things', role: 'approver' })).status).toBe(201);
  approver = await loginAs(cp.url, 'rita@e2e.local', 'rita approves things');
  agent = await startAgent(admin, 'gate-1', '127.0.0.1');
  prepareAppDir(agent, 'gated-production');
  port = await freePort();
  expect((await admin.call('POST', '/api/projects', { name: 'gated', repositoryUrl: repo.dir, preset: 'node' })).status).toBe(201);
  const env = await admin.call('POST', '/api/projects/gated/environments', {
    name: 'production', branch: 'main', port, serverIds: [agent.id], autoDeploy: true, approval: { required: true },
  });
  expect(env.status, JSON.stringify(env.body)).toBe(201);
}, 90_000);

afterAll(async () => {
  await stopAll();
  removeTempDirs();
});

describe('approve -> it deploys', () => {
  it('a manual deploy waits, the requester is refused, the approver approves and the agent deploys it', async () => {
    const res = await admin.call<{ outcome: string; deployment: { id: string; status: string } }>('POST', '/api/projects/gated/environments/production/deployments', {});
    expect(res.status).toBe(201);
    expect(res.body.outcome).toBe('pending_approval');
    const id = res.body.deployment.id;

    const own = await admin.call<{ error: { message: string } }>('POST', `/api/deployments/${id}/approve`);
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/approvers cannot approve their own deployment/);
    expect((await deployment(admin, id)).status).toBe('pending_approval');

    const pending = await approver.call<{ approvals: { deployment: { id: string } }[] }>('GET', '/api/approvals');
    expect(pending.body.approvals.map((a) => a.deployment.id)).toEqual([id]);
    expect((await approver.call('POST', `/api/deployments/${id}/approve`)).status).toBe(200);
    const done = await waitFinal(admin, id);
    expect(done.status, done.reason ?? '').toBe('succeeded');
    expect(done.commit?.sha).toBe(repo.head());
    expect((await httpGet(`http://127.0.0.1:${port}/`)).text).toMatch(/^version=v1 /);
    const log = await admin.text(`/api/deployments/${id}/logs`);
    expect(log.text).toMatch(/waiting for 1 approval[\s\S]*approved by rita@e2e\.local \(1 of 1\): queued/);
  });

  it('a webhook push to the gated environment waits for approval too, then deploys the pushed commit', async () => {
    const { secret, url } = (await admin.call<{ secret: string; url: string }>('POST', '/api/projects/gated/webhook')).body;
    repo.write({ VERSION: 'v2\n' });
    const sha = repo.commit('release v2');
    const d = githubDelivery('push', githubPushPayload('refs/heads/main', { sha, message: 'release v2' }), secret);
    const reply = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
    expect(reply.status).toBe(202);
    const body = (await reply.json()) as { deployments: { deploymentId: string; status: string }[] };
    expect(body.deployments[0]?.status).toBe('pending_approval');
    const id = body.deployments[0]?.deploymentId ?? '';
    // Nobody requested a webhook deployment, so any approver (the admin too) may approve it.
    expect((await admin.call('POST', `/api/deployments/${id}/approve`)).status).toBe(200);
    const done = await waitFinal(admin, id);
    expect([done.status, done.commit?.sha]).toEqual(['succeeded', sha]);
    expect((await httpGet(`http://127.0.0.1:${port}/`)).text).toMatch(/^version=v2 /);
  });
});
