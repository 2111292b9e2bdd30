import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_ADMIN_EMAIL, startEngineControlPlane, type RunningControlPlane } from '../helpers/control-plane.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { prepareAppDir, startAgent } from '../helpers/agent.js';
import { Api, waitFinal } from '../helpers/api.js';
import { ExampleRepo } from '../helpers/example-repo.js';
import { freePort } from '../helpers/net.js';
import { slackCheck } from '../../control-plane/test-support/notifications/provider-checks.js';
import { HttpReceiver, SmtpReceiver } from '../../control-plane/test-support/notifications/receivers.js';

/**
 * A real control plane and agent deploy the example app; the project's Slack channel (a local
 * receiver checking Slack's payload rules) and e-mail channel (a real SMTP server) hear about
 * it: started and succeeded, then a failing deploy with its reason.
 */
let cp: RunningControlPlane;
let api: Api;
let repo: ExampleRepo;
let slack: HttpReceiver;
let smtp: SmtpReceiver;
const base = '/api/projects/shop';

const slackTexts = () => slack.requests.map((r) => JSON.parse(r.body) as { text: string; attachments: { color: string; blocks: { text?: { text: string } }[] }[] });

beforeAll(async () => {
  [slack, smtp] = await Promise.all([HttpReceiver.start(slackCheck), SmtpReceiver.start()]);
  repo = new ExampleRepo();
  cp = await startEngineControlPlane({ DEVFLOW_SMTP_HOST: '127.0.0.1', DEVFLOW_SMTP_PORT: String(smtp.port), DEVFLOW_SMTP_FROM: 'DevFlow <devflow@example.com>' });
  api = await Api.login(cp.url);
  const agent = await startAgent(api, 'web-a', '127.0.0.1');
  prepareAppDir(agent, 'shop-production');
  expect((await api.call('POST', '/api/projects', { name: 'shop', repositoryUrl: repo.dir, preset: 'node', defaultBranch: 'main' })).status).toBe(201);
  expect((await api.call('POST', `${base}/environments`, { name: 'production', branch: 'main', port: await freePort(), serverIds: [agent.id] })).status).toBe(201);
  const slackRes = await api.call('POST', `${base}/notifications`, {
    name: 'deploys channel',
    channel: { type: 'slack', webhookUrl: slack.url('/services/T1/B1/token') },
    rules: [{ events: ['deployment.started', 'deployment.succeeded', 'deployment.failed'], environments: ['production'] }],
  });
  expect(slackRes.status, JSON.stringify(slackRes.body)).toBe(201);
  const mailRes = await api.call('POST', `${base}/notifications`, {
    name: 'ops mail',
    channel: { type: 'email', to: ['ops@example.com'] },
    rules: [{ events: ['deployment.succeeded', 'deployment.failed'] }],
  });
  expect(mailRes.status, JSON.stringify(mailRes.body)).toBe(201);
}, 90_000);

afterAll(async () => {
  await stopAll();
  removeTempDirs();
  await Promise.all([slack?.close(), smtp?.close()]);
});

describe('deployment notifications end to end', () => {
  it('a successful deployment posts started + succeeded to Slack and e-mails the success', async () => {
    const res = await api.call<{ deployment: { id: string } }>('POST', `${base}/environments/production/deployments`, {});
    expect(res.status).toBe(201);
    const id = res.body.deployment.id;
    expect((await waitFinal(api, id)).status).toBe('succeeded');
    const sha = repo.head().slice(0, 7);

    await waitFor('Slack started + succeeded and one e-mail', async () => slack.requests.length >= 2 && smtp.mails.length >= 1, 15_000);
    expect(slack.refused).toEqual([]);
    const [started, succeeded] = slackTexts();
    expect(started?.text).toBe(`Deploying shop to production (${sha})`);
    expect(succeeded?.text).toBe(`Deployed shop to production (${sha})`);
    expect(succeeded?.attachments[0]?.color).toBe('#2da44e');
    expect(succeeded?.attachments[0]?.blocks[0]?.text?.text).toContain(`${cp.url}/deployments/${id}`);

    const mail = smtp.mails[0];
    expect(mail).toMatchObject({ from: 'devflow@example.com', to: ['ops@example.com'], subject: `Deployed shop to production (${sha})` });
    expect(mail?.raw).toContain(`Commit: ${sha} v1: first release`);
    expect(mail?.raw).toContain(`Triggered by: ${E2E_ADMIN_EMAIL} (manual)`);
    expect(mail?.raw).toMatch(/Duration: \d/);
    expect(mail?.raw).toContain(`${cp.url}/deployments/${id}`);
  });

  it('a failing deployment says why, on both channels; the history shows every delivery sent once', async () => {
    repo.write({ 'devflow.yml': readFileSync(join(repo.dir, 'devflow.yml'), 'utf8').replace(/^install:.*$/m, 'install: "echo broken dependency >&2; exit 3"') });
    repo.commit('broken install');
    const res = await api.call<{ deployment: { id: string } }>('POST', `${base}/environments/production/deployments`, {});
    const id = res.body.deployment.id;
    expect((await waitFinal(api, id)).status).toBe('failed');

    await waitFor('Slack failure and a second e-mail', async () => slack.requests.length >= 4 && smtp.mails.length >= 2, 15_000);
    const failed = slackTexts()[3];
    expect(failed?.text).toBe(`Deployment of shop to production failed (${repo.head().slice(0, 7)})`);
    expect(failed?.attachments[0]?.color).toBe('#cf222e');
    expect(failed?.attachments[0]?.blocks[0]?.text?.text).toMatch(/Reason: .*exited with code 3/);
    expect(smtp.mails[1]?.raw).toMatch(/Reason: .*exited with code 3/);

    const history = await api.call<{ deliveries: { deploymentId: string; event: string; channel: string; status: string; attempts: number }[] }>('GET', `${base}/notifications/deliveries`);
    expect(history.status).toBe(200);
    expect(history.body.deliveries.filter((d) => d.deploymentId === id).map((d) => `${d.channel} ${d.event} ${d.status} ${d.attempts}`).sort()).toEqual([
      'email deployment.failed sent 1',
      'slack deployment.failed sent 1',
      'slack deployment.started sent 1',
    ]);
    expect(history.body.deliveries).toHaveLength(6);
    expect(slack.requests).toHaveLength(4);
    expect(smtp.mails).toHaveLength(2);
  });
});
