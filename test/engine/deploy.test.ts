import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEngineControlPlane, type RunningControlPlane } from '../helpers/control-plane.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { prepareAppDir, servedBy, startAgent, type TestAgent } from '../helpers/agent.js';
import { Api, deployment, waitFinal, type DeploymentView } from '../helpers/api.js';
import { ExampleRepo } from '../helpers/example-repo.js';
import { freePort } from '../helpers/net.js';

/**
 * The example app deployed to two real agents by a real control plane: deploy, change the
 * repository and deploy again, roll back — checking what is served over HTTP after each —
 * then the failures the issue lists (bad refs, unknown names, failing install, invalid
 * devflow.yml, no online server), each leaving the live release untouched.
 */
let cp: RunningControlPlane;
let api: Api;
let repo: ExampleRepo;
let a: TestAgent;
let b: TestAgent;
let port: number;
const APP = 'shop-production';
const base = '/api/projects/shop/environments/production';

const served = (agent: TestAgent) => servedBy(agent, port);

async function deploy(body: Record<string, unknown> = {}): Promise<{ status: number; deployment: DeploymentView; outcome: string }> {
  const res = await api.call<{ deployment: DeploymentView; outcome: string; error?: { message: string } }>('POST', `${base}/deployments`, body);
  return { status: res.status, deployment: res.body.deployment, outcome: res.body.outcome };
}

beforeAll(async () => {
  repo = new ExampleRepo();
  cp = await startEngineControlPlane({ DEVFLOW_AGENT_GRACE_S: '5' });
  api = await Api.login(cp.url);
  [a, b] = await Promise.all([startAgent(api, 'web-a', '127.0.0.1'), startAgent(api, 'web-b', '127.0.0.2')]);
  prepareAppDir(a, APP);
  prepareAppDir(b, APP);
  port = await freePort();
  expect((await api.call('POST', '/api/projects', { name: 'shop', repositoryUrl: repo.dir, preset: 'node', defaultBranch: 'main' })).status).toBe(201);
  // In-place: both agents share this host, and two traffic proxies cannot both own the public port.
  // Deploys follow failures on purpose here: the "previous deployment succeeded" rule is tested in test/rules/.
  const env = await api.call('POST', '/api/projects/shop/environments', { name: 'production', branch: 'main', port, strategy: 'in-place', serverIds: [a.id, b.id], requirePreviousSuccess: false });
  expect(env.status, JSON.stringify(env.body)).toBe(201);
  expect((await api.call('PUT', `${base}/variables`, { variables: { GREETING: 'hello-from-devflow' } })).status).toBe(200);
}, 90_000);

afterAll(async () => {
  await stopAll();
  removeTempDirs();
});

describe('deploy, change, deploy again, roll back', () => {
  let first: DeploymentView;

  it('deploys the example app to both agents and serves it', async () => {
    const res = await deploy();
    expect(res.status).toBe(201);
    expect(res.outcome).toBe('queued');
    first = await waitFinal(api, res.deployment.id);
    expect(first.status, first.reason ?? '').toBe('succeeded');
    expect(first.commit?.sha).toBe(repo.head());
    expect(first.targets.map((t) => t.status)).toEqual(['succeeded', 'succeeded']);
    expect(await served(a)).toBe('version=v1 greeting=hello-from-devflow');
    expect(await served(b)).toBe('version=v1 greeting=hello-from-devflow');
    // Migrations ran once, on the first server only.
    expect(readFileSync(join(a.dataDir, 'apps', APP, 'shared', 'migrations.log'), 'utf8')).toBe('v1\n');
    expect(existsSync(join(b.dataDir, 'apps', APP, 'shared', 'migrations.log'))).toBe(false);
    expect(first.targets[1]?.steps.some((s) => s.stage === 'migrate')).toBe(false);

    const env = await api.call<{ environment: { liveRelease: { releaseId: string } | null } }>('GET', base);
    expect(env.body.environment.liveRelease?.releaseId).toBe(first.releaseId);
  });

  it('skips a deployment of the commit already live unless forced', async () => {
    const again = await deploy();
    expect(again.status).toBe(200);
    expect(again.deployment.status).toBe('skipped');
    expect(again.deployment.reason).toMatch(/already live/);
  });

  it('deploys a changed repository', async () => {
    repo.write({ VERSION: 'v2\n' });
    const sha = repo.commit('v2: new greeting page');
    const res = await deploy();
    const second = await waitFinal(api, res.deployment.id);
    expect(second.status, second.reason ?? '').toBe('succeeded');
    expect(second.commit?.sha).toBe(sha);
    expect(await served(a)).toMatch(/^version=v2/);
    expect(await served(b)).toMatch(/^version=v2/);
  });

  it('rolls back to the previous release, recorded as a rollback deployment', async () => {
    const res = await api.call<{ deployment: DeploymentView }>('POST', `${base}/rollback`, {});
    expect(res.status).toBe(201);
    expect(res.body.deployment.kind).toBe('rollback');
    expect(res.body.deployment.rollbackOf).toBe(first.id);
    const rb = await waitFinal(api, res.body.deployment.id);
    expect(rb.status, rb.reason ?? '').toBe('succeeded');
    expect(rb.releaseId).toBe(first.releaseId);
    expect(rb.targets[0]?.steps.map((s) => s.stage)).not.toContain('fetch');
    expect(await served(a)).toMatch(/^version=v1/);
    expect(await served(b)).toMatch(/^version=v1/);
    const releases = await api.call<{ releases: { releaseId: string; status: string; serverId: string }[] }>('GET', `${base}/releases`);
    expect(releases.body.releases.filter((r) => r.status === 'live').map((r) => r.releaseId)).toEqual([first.releaseId, first.releaseId]);
  });

  it('downloads the full log as text, each line prefixed with server and step, secrets masked', async () => {
    const log = await api.text(`/api/deployments/${first.id}/logs`);
    expect(log.status).toBe(200);
    expect(log.headers.get('content-disposition')).toMatch(/^attachment; filename="deployment-dep_[^"]+\.log"$/);
    expect(log.text).toMatch(/^\[web-a\] \[fetch\] git fetch main/m);
    expect(log.text).toMatch(/^\[web-b\] \[healthcheck\] /m);
    expect(log.text).toMatch(/^\[devflow\] deployment succeeded/m);
    expect(log.text).not.toContain('hello-from-devflow');

    const page1 = await api.call<{ lines: unknown[]; next: string; more: boolean }>('GET', `/api/deployments/${first.id}/logs?format=json&limit=5`);
    expect(page1.body.lines).toHaveLength(5);
    const page2 = await api.call<{ lines: { text: string }[] }>('GET', `/api/deployments/${first.id}/logs?format=json&limit=10000&after=${encodeURIComponent(page1.body.next)}`);
    const all = await api.call<{ lines: { text: string }[] }>('GET', `/api/deployments/${first.id}/logs?format=json&limit=10000`);
    expect(page2.body.lines.length + 5).toBe(all.body.lines.length);
  });
});

describe('bad input and failures', () => {
  it('refuses bad refs, unknown project/environment/server before anything runs', async () => {
    const before = (await api.call<{ total: number }>('GET', '/api/deployments')).body.total;
    for (const branch of ['; rm -rf /', '--upload-pack=touch /tmp/pwned', '../x']) {
      const res = await api.call<{ error: { code: string; message: string } }>('POST', `${base}/deployments`, { branch });
      expect(res.status, branch).toBe(400);
      expect(res.body.error.message).toMatch(/branch/);
    }
    expect((await api.call('POST', `${base}/deployments`, { commit: 'HEAD~1; ls' })).status).toBe(400);
    expect((await api.call('POST', `${base}/deployments`, { branch: 'no-such-branch' })).status).toBe(404);
    expect((await api.call('POST', '/api/projects/nope/environments/production/deployments', {})).status).toBe(404);
    expect((await api.call('POST', '/api/projects/shop/environments/nope/deployments', {})).status).toBe(404);
    const unknownServer = await api.call<{ error: { message: string } }>('POST', `${base}/deployments`, { serverIds: ['srv_missing'] });
    expect(unknownServer.status).toBe(404);
    expect(unknownServer.body.error.message).toMatch(/srv_missing/);
    expect((await api.call<{ total: number }>('GET', '/api/deployments')).body.total).toBe(before);
    expect((await api.call('GET', '/api/deployments/dep_nope')).status).toBe(404);
  });

  it('a failing install fails the deployment with exit code and last lines, and leaves the live release untouched', async () => {
    const live = await served(a);
    repo.write({ 'devflow.yml': readFileSync(join(repo.dir, 'devflow.yml'), 'utf8').replace(/^install:.*$/m, 'install: "echo installing; echo broken dependency >&2; exit 3"') });
    repo.commit('broken install');
    const res = await deploy();
    const d = await waitFinal(api, res.deployment.id);
    expect(d.status).toBe('failed');
    expect(d.failure?.exitCode).toBe(3);
    expect(d.failure?.lastLines.join('\n')).toMatch(/broken dependency/);
    expect(d.reason).toMatch(/exited with code 3.*live release was not changed/);
    // Nothing after the failing step ran, on either server.
    for (const t of d.targets) expect(t.steps.filter((s) => s.stage === 'activate').every((s) => s.status === 'skipped')).toBe(true);
    expect(await served(a)).toBe(live);
    expect(await served(b)).toBe(live);
  });

  it('an invalid devflow.yml fails the deployment with the validation message in its log', async () => {
    repo.write({ 'devflow.yml': 'strategy: sideways\ninstall: false\n' });
    repo.commit('invalid config');
    const res = await deploy();
    const d = await waitFinal(api, res.deployment.id);
    expect(d.status).toBe('failed');
    const log = await api.text(`/api/deployments/${d.id}/logs`);
    expect(log.text).toMatch(/devflow\.yml line 1, strategy/);
    expect(d.targets).toEqual([]);
  });

  it('fails fast with the reason when no server of the environment is online', async () => {
    const offline = await api.call<{ id: string }>('POST', '/api/servers', { name: 'never-enrolled' });
    await api.call('POST', '/api/projects/shop/environments', { name: 'staging', branch: 'main', port: port + 1, serverIds: [offline.body.id] });
    const res = await api.call<{ deployment: DeploymentView }>('POST', '/api/projects/shop/environments/staging/deployments', {});
    expect(res.status).toBe(201);
    expect(res.body.deployment.status).toBe('failed');
    expect(res.body.deployment.reason).toMatch(/no online server: "never-enrolled" is offline/);
    expect((await deployment(api, res.body.deployment.id)).targets).toEqual([]);
  });
});

describe('after activation', () => {
  const goodYml = [
    'install: false',
    'start: { argv: ["node", "server.js"] }',
    'healthcheck: { path: /up, timeout: 3 }',
  ].join('\n');

  it('a failed health check marks the release bad and, with autoRollback, restores the release live before it', async () => {
    const before = await served(a);
    repo.write({ 'devflow.yml': goodYml, VERSION: 'crash\n', 'server.js': `if (require('node:fs').readFileSync('VERSION', 'utf8').trim() === 'crash') process.exit(1);\n${readFileSync(join(repo.dir, 'server.js'), 'utf8')}` });
    repo.commit('a release that crashes on start');
    const res = await deploy({ autoRollback: true });
    const bad = await waitFinal(api, res.deployment.id);
    expect(bad.status).toBe('failed');
    expect(bad.reason).toMatch(/\((restart|healthcheck)\) on server .*release was marked bad/);
    const rollback = await waitFor('the automatic rollback', async () => {
      const list = await api.call<{ items: (DeploymentView & { causedBy: string | null })[] }>('GET', '/api/projects/shop/deployments?kind=rollback&limit=1');
      const rb = list.body.items[0];
      return rb?.causedBy === bad.id ? rb : undefined;
    });
    const done = await waitFinal(api, rollback.id);
    expect(done.status, done.reason ?? '').toBe('succeeded');
    expect(await served(a)).toBe(before);
    expect(await served(b)).toBe(before);
    const releases = await api.call<{ releases: { releaseId: string; status: string }[] }>('GET', `${base}/releases`);
    expect(releases.body.releases.filter((r) => r.releaseId === bad.releaseId).map((r) => r.status)).toEqual(['bad', 'bad']);
  });

  it('fails with the reason when an agent stays away longer than the grace period', async () => {
    repo.write({ 'devflow.yml': `${goodYml}\nbuild: { argv: ["node", "-e", "setTimeout(() => {}, 60000)"] }`, VERSION: 'v5\n' });
    repo.commit('slow build');
    const res = await deploy();
    await waitFor('the build to run on both servers', async () => {
      const { targets } = await deployment(api, res.deployment.id);
      return (targets.length === 2 && targets.every((t) => t.steps.some((s) => s.stage === 'build' && s.status === 'running'))) || undefined;
    });
    b.proc.kill('SIGKILL');
    const d = await waitFinal(api, res.deployment.id, 30_000);
    expect(d.status).toBe('failed');
    expect(d.reason).toMatch(/the agent of server "web-b" has been offline for more than 5 s.*live release was not changed/);
    expect(await served(a)).not.toMatch(/v5/);
  });
});
