import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEngineControlPlane, type RunningControlPlane } from '../helpers/control-plane.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { prepareAppDir, servedBy, startAgent, type TestAgent } from '../helpers/agent.js';
import { Api, deployment, waitFinal, type DeploymentView } from '../helpers/api.js';
import { ExampleRepo } from '../helpers/example-repo.js';
import { freePort } from '../helpers/net.js';

/**
 * Queue, cancel, manual options, history, live log and a control-plane restart, against a real
 * control plane and two real agents. Deployments are held in their build step by a gate file
 * the test opens, so nothing depends on timing.
 */
let cp: RunningControlPlane;
let api: Api;
let repo: ExampleRepo;
let a: TestAgent;
let b: TestAgent;
let port: number;
let cpPort: number;
const gateDir = tempDir('devflow-gate-');
const GATE = join(gateDir, 'open');
const APP = 'queue-production';
const base = '/api/projects/queue/environments/production';

const openGate = () => writeFileSync(GATE, '');
const closeGate = () => rmSync(GATE, { force: true });
const served = (agent: TestAgent) => servedBy(agent, port);

async function deploy(body: Record<string, unknown> = {}): Promise<{ status: number; deployment: DeploymentView; outcome: string }> {
  const res = await api.call<{ deployment: DeploymentView; outcome: string }>('POST', `${base}/deployments`, body);
  if (!res.body.deployment) throw new Error(`deploy failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { status: res.status, deployment: res.body.deployment, outcome: res.body.outcome };
}

/** A new commit with this VERSION. */
function version(v: string): string {
  repo.write({ VERSION: `${v}\n` });
  return repo.commit(`release ${v}`);
}

const waitStatus = (id: string, status: string) => waitFor(`deployment ${id} ${status}`, async () => ((await deployment(api, id)).status === status ? true : undefined), 30_000);
const waitBuilding = (id: string) =>
  waitFor(`deployment ${id} in its build step`, async () => (await deployment(api, id)).targets.some((t) => t.steps.some((s) => s.stage === 'build' && s.status === 'running')) || undefined, 30_000);

beforeAll(async () => {
  repo = new ExampleRepo();
  // The build waits until the gate file exists (GATE comes from the environment's variables).
  repo.write({
    'package.json': JSON.stringify({ name: 'hello', version: '1.0.0', private: true, scripts: { start: 'node server.js', build: 'node build.js' } }),
    'build.js': "const fs = require('node:fs'); const t = setInterval(() => { if (fs.existsSync(process.env.GATE)) { clearInterval(t); console.log('gate open'); } }, 50);",
  });
  repo.commit('gated build');
  cpPort = await freePort();
  cp = await startEngineControlPlane({ PORT: String(cpPort), DEVFLOW_AGENT_GRACE_S: '30' });
  api = await Api.login(cp.url);
  [a, b] = await Promise.all([startAgent(api, 'q-a', '127.0.0.1'), startAgent(api, 'q-b', '127.0.0.3')]);
  prepareAppDir(a, APP);
  prepareAppDir(b, APP);
  port = await freePort();
  await api.call('POST', '/api/projects', { name: 'queue', repositoryUrl: repo.dir, preset: 'node', defaultBranch: 'main' });
  // In-place: both agents share this host, and two traffic proxies cannot both own the public port.
  await api.call('POST', '/api/projects/queue/environments', { name: 'production', branch: 'main', port, strategy: 'in-place', serverIds: [a.id, b.id] });
  await api.call('PUT', `${base}/variables`, { variables: { GATE } });
  openGate();
  const first = await waitFinal(api, (await deploy()).deployment.id);
  expect(first.status, first.reason ?? '').toBe('succeeded');
}, 90_000);

afterAll(async () => {
  openGate();
  await stopAll();
  removeTempDirs();
});

describe('queue', () => {
  it('runs three quick deploys in FIFO order, merges a duplicate, reorders, cancels a queued one', async () => {
    closeGate();
    const [c1, c2, c3] = [version('q1'), version('q2'), version('q3')];
    const d1 = await deploy({ commit: c1 });
    const d2 = await deploy({ commit: c2 });
    const d3 = await deploy({ commit: c3 });
    expect([d1.status, d2.status, d3.status]).toEqual([201, 201, 201]);
    await waitBuilding(d1.deployment.id);
    expect((await deployment(api, d2.deployment.id)).position).toBe(1);
    expect((await deployment(api, d3.deployment.id)).position).toBe(2);

    const dup = await deploy({ commit: c2 });
    expect(dup.status).toBe(200);
    expect(dup.outcome).toBe('merged');
    expect(dup.deployment.id).toBe(d2.deployment.id);

    const queue = await api.call<{ queue: { id: string; status: string }[] }>('GET', '/api/projects/queue/queue');
    expect(queue.body.queue.map((d) => d.id)).toEqual([d1.deployment.id, d2.deployment.id, d3.deployment.id]);
    const reordered = await api.call<{ queue: { id: string }[] }>('POST', '/api/projects/queue/queue/reorder', { deploymentIds: [d3.deployment.id, d2.deployment.id] });
    expect(reordered.status).toBe(200);
    expect(reordered.body.queue.map((d) => d.id)).toEqual([d1.deployment.id, d3.deployment.id, d2.deployment.id]);
    expect((await api.call('GET', '/api/queue')).status).toBe(200);

    const cancelled = await api.call<{ deployment: DeploymentView }>('POST', `/api/deployments/${d2.deployment.id}/cancel`);
    expect(cancelled.body.deployment.status).toBe('cancelled');
    openGate();
    const f1 = await waitFinal(api, d1.deployment.id);
    const f3 = await waitFinal(api, d3.deployment.id);
    expect([f1.status, f3.status]).toEqual(['succeeded', 'succeeded']);
    const detail = await api.call<{ deployment: { startedAt: number; finishedAt: number } }>('GET', `/api/deployments/${d1.deployment.id}`);
    const detail3 = await api.call<{ deployment: { startedAt: number } }>('GET', `/api/deployments/${d3.deployment.id}`);
    expect(detail3.body.deployment.startedAt).toBeGreaterThanOrEqual(detail.body.deployment.finishedAt);
    expect((await deployment(api, d2.deployment.id)).targets).toEqual([]);
    expect(await served(a)).toMatch(/^version=q3/);
  });

  it('merges only a request with the same commit, servers and options; says so to the second requester (issue 16 item 1)', async () => {
    closeGate();
    const running = await deploy({ commit: version('m0') });
    await waitBuilding(running.deployment.id);
    const c = version('m1');
    const toA = await deploy({ commit: c, serverIds: [a.id] });
    const toB = await deploy({ commit: c, serverIds: [b.id] });
    const plain = await deploy({ commit: c });
    const skipping = await deploy({ commit: c, skipMigrations: true });
    expect([toA.outcome, toB.outcome, plain.outcome, skipping.outcome]).toEqual(['queued', 'queued', 'queued', 'queued']);
    expect(new Set([toA, toB, plain, skipping].map((x) => x.deployment.id)).size).toBe(4);
    const again = await api.call<{ deployment: DeploymentView; outcome: string; message: string }>('POST', `${base}/deployments`, { commit: c, serverIds: [b.id] });
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe('merged');
    expect(again.body.deployment.id).toBe(toB.deployment.id);
    expect(again.body.message).toBe(`merged into ${toB.deployment.id}: the queued deployment of ${c.slice(0, 12)} with the same servers and options`);
    for (const x of [toA, toB, plain, skipping]) await api.call('POST', `/api/deployments/${x.deployment.id}/cancel`);
    openGate();
    expect((await waitFinal(api, running.deployment.id)).status).toBe('succeeded');
  });

  it('cancels a running deployment: the step is killed on the agent and the live release is untouched', async () => {
    closeGate();
    const live = await served(a);
    const d = await deploy({ commit: version('q4') });
    await waitBuilding(d.deployment.id);
    expect((await api.call('POST', `/api/deployments/${d.deployment.id}/cancel`)).status).toBe(200);
    const f = await waitFinal(api, d.deployment.id);
    expect(f.status).toBe('cancelled');
    expect(f.reason).toMatch(/cancelled by .*live release was not changed/);
    // The build that was running is killed; a server whose build had not started yet skips it. None finishes.
    const builds = f.targets.flatMap((t) => t.steps).filter((s) => s.stage === 'build');
    expect(builds.some((s) => /cancelled/.test(s.status)), JSON.stringify(builds)).toBe(true);
    expect(builds.every((s) => /cancelled|skipped/.test(s.status)), JSON.stringify(builds)).toBe(true);
    expect(await served(a)).toBe(live);
    expect(await served(b)).toBe(live);
    expect((await api.call('POST', `/api/deployments/${d.deployment.id}/cancel`)).status).toBe(409);
    openGate();
  });
});

describe('manual options', () => {
  const stages = (d: DeploymentView, i = 0) => d.targets[i]?.steps.filter((s) => s.status !== 'skipped').map((s) => s.stage) ?? [];

  it('skip migrations and skip cache remove those stages', async () => {
    openGate();
    const plain = await waitFinal(api, (await deploy({ commit: version('o1') })).deployment.id);
    expect(stages(plain)).toEqual(expect.arrayContaining(['migrate', 'cache']));
    const migrations = readFileSync(join(a.dataDir, 'apps', APP, 'shared', 'migrations.log'), 'utf8');

    const opts = await waitFinal(api, (await deploy({ commit: version('o2'), skipMigrations: true, skipCache: true })).deployment.id);
    expect(opts.status).toBe('succeeded');
    expect(stages(opts)).not.toContain('migrate');
    expect(stages(opts)).not.toContain('cache');
    expect(readFileSync(join(a.dataDir, 'apps', APP, 'shared', 'migrations.log'), 'utf8')).toBe(migrations);
  });

  it('a server subset deploys to those servers only', async () => {
    const d = await waitFinal(api, (await deploy({ commit: version('o3'), serverIds: [b.id] })).deployment.id);
    expect(d.status).toBe('succeeded');
    expect(d.targets.map((t) => t.serverId)).toEqual([b.id]);
    expect(await served(b)).toMatch(/^version=o3/);
    expect(await served(a)).toMatch(/^version=o2/);
  });

  it('a branch or an older commit is what gets served', async () => {
    const main = repo.head();
    repo.branch('feature');
    const featureSha = version('feature-x');
    repo.branch('main');
    const fromBranch = await waitFinal(api, (await deploy({ branch: 'feature' })).deployment.id);
    expect(fromBranch.commit?.sha).toBe(featureSha);
    expect(await served(a)).toMatch(/^version=feature-x/);
    const older = await waitFinal(api, (await deploy({ commit: main.slice(0, 10) })).deployment.id);
    expect(older.status).toBe('succeeded');
    expect(await served(b)).toMatch(/^version=o3/);
  });
});

describe('history', () => {
  it('filters by status, environment, user, date and commit search, with pagination', async () => {
    type Page = { items: { id: string; status: string; commit: { message: string } | null }[]; total: number; page: number; limit: number };
    const all = await api.call<Page>('GET', '/api/projects/queue/deployments?limit=200');
    expect(all.body.total).toBeGreaterThanOrEqual(10);
    const cancelled = await api.call<Page>('GET', '/api/deployments?status=cancelled&project=queue');
    expect(cancelled.body.items.length).toBe(6); // two here, four in the merge test
    expect(cancelled.body.items.every((d) => d.status === 'cancelled')).toBe(true);
    const search = await api.call<Page>('GET', '/api/deployments?q=FEATURE-X');
    expect(search.body.items.map((d) => d.commit?.message)).toEqual(['release feature-x']);
    const byEnv = await api.call<Page>('GET', '/api/deployments?environment=production&project=queue&limit=3&page=2');
    expect(byEnv.body).toMatchObject({ page: 2, limit: 3, total: all.body.total });
    expect(byEnv.body.items.map((d) => d.id)).toEqual(all.body.items.slice(3, 6).map((d) => d.id));
    expect((await api.call<Page>('GET', `/api/deployments?user=${encodeURIComponent('admin@e2e.local')}&project=queue`)).body.total).toBe(all.body.total);
    expect((await api.call<Page>('GET', '/api/deployments?from=2999-01-01')).body.total).toBe(0);
    expect((await api.call<Page>('GET', '/api/deployments?to=2000-01-01')).body.total).toBe(0);
    expect((await api.call('GET', '/api/deployments?status=exploded')).status).toBe(400);
    expect((await api.call('GET', '/api/deployments?from=yesterday-ish')).status).toBe(400);
  });
});

describe('live log', () => {
  it('streams stored then live lines as SSE batches, status events, and end', async () => {
    closeGate();
    const d = await deploy({ commit: version('sse') });
    await waitBuilding(d.deployment.id);
    const res = await api.raw(`/api/deployments/${d.deployment.id}/logs/stream`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let opened = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (!opened && text.includes('git fetch')) {
        opened = true;
        openGate();
      }
      if (/event: end/.test(text)) break;
    }
    await reader.cancel();
    expect(text).toMatch(/event: status\ndata: \{"status":"running"/);
    expect(text).toMatch(/gate open/);
    expect(text).toMatch(/event: end\ndata: \{"status":"succeeded"\}/);
    const ids = [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(1);
    // Resuming from the last id sends nothing more than the end.
    const again = await api.raw(`/api/deployments/${d.deployment.id}/logs/stream`, { 'last-event-id': ids[ids.length - 1] ?? '' });
    const rest = await again.text();
    expect(rest).not.toMatch(/event: log/);
    expect(rest).toMatch(/event: end/);
  });
});

describe('control-plane restart', () => {
  it('resumes the running deployment from its recorded steps and then runs the queued one', async () => {
    closeGate();
    const running = await deploy({ commit: version('r1') });
    const queued = await deploy({ commit: version('r2') });
    await waitBuilding(running.deployment.id);
    await cp.process.stop();
    openGate(); // the build finishes on the agents while the control plane is down
    cp = await startEngineControlPlane({ PORT: String(cpPort), DEVFLOW_AGENT_GRACE_S: '30' }, cp.dataDir);
    api = await Api.login(cp.url);
    const r1 = await waitFinal(api, running.deployment.id, 60_000);
    expect(r1.status, r1.reason ?? '').toBe('succeeded');
    const r2 = await waitFinal(api, queued.deployment.id, 60_000);
    expect(r2.status, r2.reason ?? '').toBe('succeeded');
    const log = await api.text(`/api/deployments/${running.deployment.id}/logs`);
    expect(log.text).toMatch(/control plane restarted: resuming the deployment/);
    expect(log.text.match(/gate open/g)?.length).toBe(2); // once per server: the build was not run twice
    expect(await served(a)).toMatch(/^version=r2/);
  });
});
