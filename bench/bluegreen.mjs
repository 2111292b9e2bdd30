#!/usr/bin/env node
// Blue-green through the deployment engine (issue 5), real processes on loopback: an in-process
// control plane, a real agent (which starts the traffic proxy and the app slots as their own
// processes), the app of test/zero-downtime/fixtures, and keep-alive load from a separate
// process as fast as the machine goes.
//   1. 20 blue-green deployments under that load: requests/s, latency, failed requests, and
//      healthy -> switched per deployment (agent timestamps of the health check's "healthy" line
//      and the proxy switch line in the deployment log).
//   2. Warm rollbacks (the old slot still runs): rollback request -> old version served, as seen
//      by the load process, with the rollback's step times.
// Usage: npm run build && node bench/bluegreen.mjs [--deploys 20] [--rollbacks 6] [--connections 16]
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, freePort, pct, root, sleep } from './lib/common.mjs';
import { adminApi, finished as finishedEvery, startBenchAgent, startBenchControlPlane } from './lib/control-plane.mjs';

const FIXTURES = join(root, 'test/zero-downtime/fixtures');
const DEPLOYS = arg('deploys', 20);
const ROLLBACKS = arg('rollbacks', 6);
const CONNECTIONS = arg('connections', 16);
const ms = (x) => (x === undefined ? 'n/a' : `${Math.round(x)} ms`);

const tmp = mkdtempSync(join(tmpdir(), 'devflow-bench-bg-'));
const children = [];

// ---- the app repository: each commit is a numbered version ----
const repo = join(tmp, 'repo');
mkdirSync(repo);
const git = (...args) => execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', ...args], { cwd: repo, encoding: 'utf8' }).trim();
git('init', '-q', '-b', 'main');
copyFileSync(join(FIXTURES, 'app.cjs'), join(repo, 'server.js'));
writeFileSync(join(repo, 'devflow.yml'), ['preset: custom', 'strategy: blue-green', 'start: { argv: [node, server.js] }', 'healthcheck: { path: /up, interval: 0.05, timeout: 10 }', 'blueGreen: { drainTimeout: 5 }', 'keepReleases: 3'].join('\n'));
let version = 0;
const commitNext = () => {
  writeFileSync(join(repo, 'VERSION'), `${++version}\n`);
  git('add', '-A');
  git('commit', '-q', '-m', `version ${version}`);
  return version;
};

/** The load process; `first <version> <ms>` lines tell when a version was first served. */
function startLoad(port, rate = 0) {
  const child = spawn(process.execPath, [join(root, 'agent/test-fixtures/load.mjs'), '--port', String(port), '--connections', String(CONNECTIONS), '--rate', String(rate)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const first = new Map();
  let summary = null;
  let buf = '';
  const started = new Promise((resolve) => {
    child.stdout.on('data', (d) => {
      buf += d;
      for (let nl; (nl = buf.indexOf('\n')) >= 0; ) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'started') resolve();
        const m = /^first (\d+) (\d+)$/.exec(line);
        if (m) first.set(Number(m[1]), Number(m[2]));
        if (line.startsWith('summary ')) summary = JSON.parse(line.slice(8));
      }
    });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    started,
    async seen(v, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (!first.has(v)) {
        if (Date.now() > until) throw new Error(`the load never saw version ${v}`);
        await sleep(5);
      }
      return first.get(v);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return summary;
    },
  };
}

const cp = await startBenchControlPlane(join(tmp, 'cp'));
const agentDir = join(tmp, 'agent');

try {
  const api = await adminApi(cp.url);
  const { id: agentId, child: agent } = await startBenchAgent(cp, agentDir);
  children.push(agent);

  const port = await freePort();
  await api('POST', '/api/projects', { name: 'bg', repositoryUrl: repo, preset: 'custom', defaultBranch: 'main' });
  await api('POST', '/api/projects/bg/environments', { name: 'prod', port, bluePort: await freePort(), greenPort: await freePort(), strategy: 'blue-green', serverIds: [agentId] });
  await api('PUT', '/api/projects/bg/environments/prod/variables', { variables: { WS_MODULE: join(root, 'node_modules', 'ws') } });

  const finished = (id) => finishedEvery(api, id, 10);
  const deployNext = async () => {
    const v = commitNext();
    const { deployment } = await api('POST', '/api/projects/bg/environments/prod/deployments', {});
    const done = await finished(deployment.id);
    if (done.status !== 'succeeded') throw new Error(`deployment of version ${v} ${done.status}: ${done.reason}`);
    return { v, id: deployment.id };
  };
  const healthyToSwitched = async (id) => {
    const { lines } = await api('GET', `/api/deployments/${id}/logs?format=json&limit=10000`);
    const healthy = lines.findLast((l) => l.text.startsWith('healthy: ') && !l.text.includes(`:${port}/`));
    const switched = lines.find((l) => / (now sends traffic to|switched :\d+ from) /.test(l.text));
    return switched.ts - healthy.ts;
  };

  await deployNext();
  await deployNext(); // both slots run: every later deployment replaces the older one

  // 1. 20 deployments under load.
  const load = startLoad(port);
  await load.started;
  await load.seen(version);
  const h2s = [];
  for (let i = 0; i < DEPLOYS; i++) {
    const { v, id } = await deployNext();
    h2s.push(await healthyToSwitched(id));
    await load.seen(v);
  }
  const under = await load.stop();

  // 2. Warm rollbacks, alternating between the two running releases.
  const rollbackMs = [];
  const steps = new Map();
  for (let i = 0; i < ROLLBACKS; i++) {
    const live = Number((await (await fetch(`http://127.0.0.1:${port}/`)).text()).replace('version=', ''));
    const target = i % 2 === 0 ? live - 1 : live + 1;
    const l = startLoad(port, 1000);
    await l.started;
    await l.seen(live);
    const requestedAt = Date.now();
    const { deployment } = await api('POST', '/api/projects/bg/environments/prod/rollback', {});
    const servedAt = await l.seen(target);
    const done = await finished(deployment.id);
    const s = await l.stop();
    if (done.status !== 'succeeded' || s.failed + s.reset + s.incomplete > 0) throw new Error(`rollback ${i}: ${done.status} ${done.reason ?? ''}, ${s.failed + s.reset + s.incomplete} failed requests`);
    rollbackMs.push(servedAt - requestedAt);
    const detail = (await api('GET', `/api/deployments/${deployment.id}`)).deployment;
    for (const step of detail.targets[0].steps) steps.set(step.kind, [...(steps.get(step.kind) ?? []), step.durationMs]);
    steps.set('queued -> started', [...(steps.get('queued -> started') ?? []), detail.startedAt - detail.createdAt]);
  }

  const failed = under.failed + under.reset + under.incomplete;
  console.log(`\nBlue-green through the engine, one server, ${CONNECTIONS} keep-alive connections from a separate process (rate: as fast as it goes)`);
  console.log('| measure | value | target |\n|---|---|---|');
  console.log(`| requests/s through the proxy during ${DEPLOYS} deployments | ${under.rps} | >= 5,000 |`);
  console.log(`| latency p50 / p99 during deployments | ${under.p50ms} ms / ${under.p99ms} ms | |`);
  console.log(`| failed, reset or cut requests during ${DEPLOYS} deployments (${under.ok} ok) | ${failed} | 0 |`);
  console.log(`| connections re-opened by clients | ${under.perConnection.reduce((n, c) => n + c.sockets - 1, 0)} | 0 |`);
  console.log(`| healthy -> switched p50 / p99 / max (${h2s.length} deployments) | ${ms(pct(h2s, 50))} / ${ms(pct(h2s, 99))} / ${ms(Math.max(...h2s))} | <= 50 ms |`);
  console.log(`| warm rollback request -> old version served p50 / max (${rollbackMs.length} runs) | ${ms(pct(rollbackMs, 50))} / ${ms(Math.max(...rollbackMs))} | <= 100 ms |`);
  console.log(`\nWarm rollback, median per step: ${[...steps].map(([k, v]) => `${k} ${ms(pct(v, 50))}`).join(', ')}`);
  if (failed > 0) process.exitCode = 1;
} finally {
  for (const c of children) c.kill('SIGKILL');
  // The proxy and the app slots run detached from the agent: stop them by their recorded pids.
  for (const file of ['proxy.pid', 'apps/bg-prod/slots/blue.pid', 'apps/bg-prod/slots/green.pid']) {
    try {
      const pid = Number(readFileSync(join(agentDir, file), 'utf8').trim());
      try { process.kill(-pid, 'SIGKILL'); } catch { process.kill(pid, 'SIGKILL'); }
    } catch {
      // not running
    }
  }
  await cp.close?.();
  rmSync(tmp, { recursive: true, force: true });
}
