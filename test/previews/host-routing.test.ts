import { getWithHost } from '../../agent/test-fixtures/helpers.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineControlPlane, type RunningControlPlane } from '../helpers/control-plane.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp.js';
import { prepareAppDir, startAgent, type TestAgent } from '../helpers/agent.js';
import { Api, waitFinal } from '../helpers/api.js';
import { ExampleRepo } from '../helpers/example-repo.js';
import { freePort } from '../helpers/net.js';

/**
 * Host-header routing through the real traffic proxy (the base of preview environments, issue 13
 * item 2): two blue-green environments share one public port on a real agent, each answering for
 * its host name; bad host names and clashes are refused before anything is stored.
 */
let cp: RunningControlPlane;
let api: Api;
let agent: TestAgent;
let port: number;

const getAs = (host: string) => getWithHost(port, host);

async function createEnv(name: string, extra: Record<string, unknown>): Promise<{ status: number; body: Record<string, any> }> {
  return api.call('POST', '/api/projects/shop/environments', { name, branch: 'main', port, strategy: 'blue-green', bluePort: await freePort(), greenPort: await freePort(), serverIds: [agent.id], ...extra });
}

async function deploy(env: string): Promise<void> {
  const res = await api.call<{ deployment: { id: string } }>('POST', `/api/projects/shop/environments/${env}/deployments`, {});
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const done = await waitFinal(api, res.body.deployment.id, 90_000);
  expect(done.status, done.reason ?? '').toBe('succeeded');
}

beforeAll(async () => {
  const repo = new ExampleRepo();
  cp = await startEngineControlPlane();
  api = await Api.login(cp.url);
  agent = await startAgent(api, 'hosts-1', '127.0.0.1');
  prepareAppDir(agent, 'shop-production');
  prepareAppDir(agent, 'shop-pr-7');
  port = await freePort();
  expect((await api.call('POST', '/api/projects', { name: 'shop', repositoryUrl: repo.dir, preset: 'node' })).status).toBe(201);
}, 90_000);

afterAll(async () => {
  await stopAll();
  removeTempDirs();
});

describe('several environments on one public port by Host', () => {
  it('refuses host names a DNS label cannot hold, a host name without the traffic proxy (blue-green or canary), and the same host twice', async () => {
    for (const bad of ['pr_7.preview.test', '-pr-7.preview.test', 'PR-7.preview.test', `${'a'.repeat(64)}.test`]) {
      const res = await createEnv('bad', { hostname: bad });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.details.field).toBe('hostname');
    }
    const inPlace = await api.call<{ error: { message: string } }>('POST', '/api/projects/shop/environments', { name: 'bad', port: await freePort(), strategy: 'in-place', hostname: 'x.preview.test', serverIds: [agent.id] });
    expect([inPlace.status, inPlace.body.error.message]).toEqual([400, 'hostname: routing by host name needs strategy blue-green or canary (the traffic proxy serves the port)']);
    expect((await api.call<{ environments: unknown[] }>('GET', '/api/projects/shop/environments')).body.environments).toEqual([]);
  });

  it('routes pr-7.preview.test to its environment and every other host to production, through one port', async () => {
    expect((await createEnv('production', {})).status).toBe(201);
    const pr = await createEnv('pr-7', { hostname: 'pr-7.preview.test' });
    expect(pr.status, JSON.stringify(pr.body)).toBe(201);
    expect(pr.body.environment.hostname).toBe('pr-7.preview.test');
    // A second environment on the port without a host name, or with the same one, cannot be told apart.
    const twiceDefault = await createEnv('other', {});
    expect(twiceDefault.status).toBe(409);
    const sameHost = await createEnv('other', { hostname: 'pr-7.preview.test' });
    expect([sameHost.status, sameHost.body.error.details.field]).toEqual([409, 'hostname']);

    await api.call('PUT', '/api/projects/shop/environments/production/variables', { variables: { GREETING: 'from-production' } });
    await api.call('PUT', '/api/projects/shop/environments/pr-7/variables', { variables: { GREETING: 'from-pr-7' } });
    await deploy('production');
    await deploy('pr-7');
    expect((await getAs('pr-7.preview.test')).body).toMatch(/greeting=from-pr-7/);
    expect((await getAs(`PR-7.preview.test:${port}`)).body).toMatch(/greeting=from-pr-7/);
    expect((await getAs('shop.example.test')).body).toMatch(/greeting=from-production/);
    expect((await getAs('127.0.0.1')).body).toMatch(/greeting=from-production/);
  }, 180_000);
});
