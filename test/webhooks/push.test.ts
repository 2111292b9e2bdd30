import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineControlPlane, type RunningControlPlane } from '../helpers/control-plane.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp.js';
import { prepareAppDir, startAgent, type TestAgent } from '../helpers/agent.js';
import { Api, waitFinal, type DeploymentView } from '../helpers/api.js';
import { ExampleRepo } from '../helpers/example-repo.js';
import { freePort, httpGet } from '../helpers/net.js';
import {
  bitbucketDelivery, bitbucketPushPayload, githubDelivery, githubPing, githubPushPayload, gitlabDelivery, gitlabPushPayload, type Delivery,
} from '../../control-plane/test-support/webhook-payloads.js';

/**
 * Git push webhooks against a real control plane process and a real agent: deliveries shaped
 * and signed like GitHub's, GitLab's and Bitbucket Cloud's deploy the pushed commit of the
 * auto-deploying environment; forged, replayed and irrelevant deliveries change nothing.
 */
let cp: RunningControlPlane;
let api: Api;
let repo: ExampleRepo;
let agent: TestAgent;
let port: number;
let projectId: string;
let hookUrl: string;
let secret: string;

type Reply = { status: number; body: Record<string, any> };
async function send(d: Delivery, url = hookUrl): Promise<Reply> {
  const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function deliveries(): Promise<Record<string, any>[]> {
  return (await api.call<{ deliveries: Record<string, any>[] }>('GET', '/api/projects/shop/webhook/deliveries')).body.deliveries;
}

/** A new commit on main (the app serves its VERSION). */
function change(version: string): { sha: string; message: string } {
  repo.write({ VERSION: `${version}\n` });
  const message = `release ${version}`;
  return { sha: repo.commit(message), message };
}

async function deployedBy(reply: Reply): Promise<DeploymentView> {
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  expect(reply.body.deployments).toHaveLength(1);
  expect(reply.body.deployments[0]).toMatchObject({ environment: 'production', status: 'queued' });
  return waitFinal(api, reply.body.deployments[0].deploymentId);
}

const served = async () => (await httpGet(`http://127.0.0.1:${port}/`)).text;

beforeAll(async () => {
  repo = new ExampleRepo();
  cp = await startEngineControlPlane();
  api = await Api.login(cp.url);
  agent = await startAgent(api, 'hook-1', '127.0.0.1');
  prepareAppDir(agent, 'shop-production');
  port = await freePort();
  const project = await api.call<{ project: { id: string }; webhook: { url: string; secret: string } }>('POST', '/api/projects', { name: 'shop', repositoryUrl: repo.dir, preset: 'node' });
  expect(project.status).toBe(201);
  projectId = project.body.project.id;
  // A secret is generated with the project (shown once); the one made below replaces it.
  expect(project.body.webhook).toEqual({ url: `${cp.url}/webhooks/${projectId}`, secret: expect.stringMatching(/^[0-9a-f]{64}$/) });
  const firstSecret = project.body.webhook.secret;
  const env = await api.call('POST', '/api/projects/shop/environments', { name: 'production', branch: 'main', port, serverIds: [agent.id], autoDeploy: true });
  expect(env.status, JSON.stringify(env.body)).toBe(201);
  expect((await api.call('POST', '/api/projects/shop/environments', { name: 'preview', branch: 'feature', serverIds: [agent.id] })).status).toBe(201);
  const hook = await api.call<{ url: string; secret: string }>('POST', '/api/projects/shop/webhook');
  expect(hook.status).toBe(201);
  ({ url: hookUrl, secret } = hook.body);
  expect(hookUrl).toBe(`${cp.url}/webhooks/${projectId}`);
  expect(secret).toMatch(/^[0-9a-f]{64}$/);
  expect(secret).not.toBe(firstSecret);
  expect((await api.call<{ webhook: { configured: boolean; url: string } }>('GET', '/api/projects/shop/webhook')).body.webhook).toMatchObject({ configured: true, url: hookUrl });
}, 90_000);

afterAll(async () => {
  await stopAll();
  removeTempDirs();
});

describe('GitHub', () => {
  it('ping answers pong', async () => {
    const reply = await send(githubDelivery('ping', githubPing(), secret));
    expect(reply).toEqual({ status: 200, body: { pong: true, project: 'shop' } });
  });

  it('a push to main deploys exactly the pushed commit', async () => {
    const head = change('v2');
    const delivery = githubDelivery('push', githubPushPayload('refs/heads/main', head), secret);
    const dep = await deployedBy(await send(delivery));
    expect(dep.status, dep.reason ?? '').toBe('succeeded');
    expect(dep.commit).toMatchObject({ sha: head.sha, message: head.message });
    // Who pushed is recorded (issue 16 item 7).
    expect(dep.requestedBy).toBe('ada (github)');
    expect(await served()).toMatch(/^version=v2 /);

    // The same delivery again (a replay, or GitHub's "Redeliver"): nothing happens.
    const replay = await send(delivery);
    expect(replay).toEqual({ status: 200, body: { ignored: 'duplicate delivery', deliveryId: delivery.headers['x-github-delivery'] } });
  });

  it('a form-encoded delivery (payload=<json>) deploys too', async () => {
    const head = change('v3');
    const dep = await deployedBy(await send(githubDelivery('push', githubPushPayload('refs/heads/main', head), secret, { form: true })));
    expect([dep.status, dep.commit?.sha]).toEqual(['succeeded', head.sha]);
    expect(await served()).toMatch(/^version=v3 /);
  });

  it('forged, unsigned and unknown deliveries get 401 and change nothing', async () => {
    const before = (await deliveries()).length;
    const head = change('v-forged');
    const good = githubDelivery('push', githubPushPayload('refs/heads/main', head), secret);
    const forged = await send({ ...good, headers: { ...good.headers, 'x-hub-signature-256': githubDelivery('push', {}, 'guessed').headers['x-hub-signature-256'] ?? '' } });
    expect(forged.status).toBe(401);
    expect(forged.body.error.message).toMatch(/X-Hub-Signature-256 does not match/);
    const tampered = await send({ ...good, body: good.body.replace('refs/heads/main', 'refs/heads/mainx') });
    expect(tampered.status).toBe(401);
    const { 'x-hub-signature-256': _drop, ...unsigned } = good.headers;
    expect((await send({ ...good, headers: unsigned })).body.error.message).toMatch(/X-Hub-Signature-256 is missing/);
    const unknown = await send({ body: good.body, headers: { 'content-type': 'application/json' } });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toMatch(/unknown webhook sender/);
    // An unknown project answers exactly like a known one with a wrong signature: ids are not revealed.
    const wrongProject = await send(good, `${cp.url}/webhooks/prj_doesnotexist`);
    expect(wrongProject.status).toBe(401);
    expect(wrongProject.body.error.message).toMatch(/X-Hub-Signature-256 does not match/);
    expect(await deliveries()).toHaveLength(before);
    const history = await api.call<{ deployments: unknown[]; total?: number }>('GET', `/api/projects/shop/deployments?q=${head.sha}`);
    expect(JSON.stringify(history.body)).not.toContain(head.sha);
  });

  it('pushes to other branches, tags and branch deletions are ignored with the reason', async () => {
    repo.branch('feature');
    const feature = change('v-feature');
    repo.branch('main');
    const other = await send(githubDelivery('push', githubPushPayload('refs/heads/feature', feature), secret));
    expect(other).toEqual({ status: 200, body: { ignored: 'no environment deploys branch feature (preview tracks it with autoDeploy off)' } });
    const unknown = await send(githubDelivery('push', githubPushPayload('refs/heads/nobody', feature), secret));
    expect(unknown.body).toEqual({ ignored: 'no environment deploys branch nobody' });
    const tag = await send(githubDelivery('push', githubPushPayload('refs/tags/v9', feature), secret));
    expect(tag.body.ignored).toMatch(/^tag push \(v9\) ignored/);
    const gone = await send(githubDelivery('push', githubPushPayload('refs/heads/main', null, { deleted: true }), secret));
    expect(gone.body.ignored).toBe('branch main was deleted; nothing to deploy');
    expect(await served()).toMatch(/^version=v3 /);
  });
});

describe('GitLab and Bitbucket Cloud', () => {
  it('a GitLab Push Hook with the secret token deploys the pushed commit; a wrong token is 401', async () => {
    const head = change('v4');
    const bad = await send(gitlabDelivery('Push Hook', gitlabPushPayload('refs/heads/main', head), 'not-the-token'));
    expect(bad.status).toBe(401);
    expect(bad.body.error.message).toMatch(/X-Gitlab-Token does not match/);
    const dep = await deployedBy(await send(gitlabDelivery('Push Hook', gitlabPushPayload('refs/heads/main', head), secret)));
    expect([dep.status, dep.commit?.sha, dep.requestedBy]).toEqual(['succeeded', head.sha, 'jsmith (gitlab)']);
    expect(await served()).toMatch(/^version=v4 /);
  });

  it('a Bitbucket repo:push deploys the branch change and ignores the tag in the same push', async () => {
    const head = change('v5');
    const reply = await send(bitbucketDelivery('repo:push', bitbucketPushPayload([
      { type: 'branch', name: 'main', head, old: repo.head('HEAD~1') },
      { type: 'tag', name: 'v5', head },
    ]), secret));
    expect(reply.body.ignored).toMatch(/tag push \(v5\) ignored/);
    const dep = await deployedBy({ status: reply.status, body: { deployments: reply.body.deployments } });
    expect([dep.status, dep.commit?.sha, dep.requestedBy]).toEqual(['succeeded', head.sha, 'Emma (bitbucket)']);
    expect(await served()).toMatch(/^version=v5 /);
  });
});

describe('environment rules and the delivery log', () => {
  it('a locked environment records the webhook deployment as skipped with the lock reason', async () => {
    expect((await api.call('POST', '/api/projects/shop/environments/production/lock', { reason: 'black friday freeze' })).status).toBe(200);
    try {
      const head = change('v6');
      const reply = await send(githubDelivery('push', githubPushPayload('refs/heads/main', head), secret));
      expect(reply.status).toBe(202);
      expect(reply.body.deployments[0]).toMatchObject({ environment: 'production', status: 'skipped', outcome: 'skipped' });
      expect(reply.body.deployments[0].reason).toMatch(/is locked by .*: black friday freeze/);
    } finally {
      await api.call('DELETE', '/api/projects/shop/environments/production/lock');
    }
    expect(await served()).toMatch(/^version=v5 /);
  });

  it('lists deliveries newest first with provider, event, branch, sha and outcome', async () => {
    const list = await deliveries();
    expect(list.map((d) => `${d.provider} ${d.event} ${d.outcome}`).slice(0, 4)).toEqual([
      'github push skipped', // the locked environment
      'bitbucket repo:push deployed',
      'gitlab Push Hook deployed',
      'github push ignored',
    ]);
    expect(list.at(-1)).toMatchObject({ provider: 'github', event: 'ping', outcome: 'pong' });
    const gitlab = list.find((d) => d.provider === 'gitlab');
    expect(gitlab).toMatchObject({ branch: 'main', sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    // Its deployment as it is now, not as it was requested (queued).
    expect(gitlab?.deployments[0]).toMatchObject({ environment: 'production', status: 'succeeded' });
    expect(list[0]?.deployments[0]).toMatchObject({ status: 'skipped', reason: expect.stringContaining('locked') });
  });

  it('rotating the secret refuses deliveries signed with the old one', async () => {
    const old = secret;
    const rotated = await api.call<{ secret: string }>('POST', '/api/projects/shop/webhook');
    secret = rotated.body.secret;
    expect(secret).not.toBe(old);
    const res = await send(githubDelivery('ping', githubPing(), old));
    expect(res.status).toBe(401);
    expect((await send(githubDelivery('ping', githubPing(), secret))).status).toBe(200);
  });
});
