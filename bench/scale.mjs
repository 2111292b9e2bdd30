#!/usr/bin/env node
// Scale-out benchmark (issue 7 targets), real processes on loopback, Redis at 127.0.0.1:6379
// (DEVFLOW_BENCH_REDIS_URL; keys under a random prefix, deleted at the end):
//   1. dispatch latency, 1 vs 3 instances: runStep on instance A -> `started` event back on A,
//      the agent held by A (1 instance) or by C (3 instances: A -> Redis -> C -> agent -> C -> Redis -> A)
//   2. deployments/minute, 1 vs 3 instances: 4 projects deploying in parallel, requests spread over the instances
//   3. takeover after kill -9 of the instance orchestrating a deployment (3 runs)
//   4. 10,000 simulated idle agents on one instance: RSS per connection, time until all are back after a restart
// Usage: npm run build && node bench/scale.mjs [--steps 200] [--deploys 5] [--agents 10000] [--only dispatch,takeover,idle]
// (`dispatch` is parts 1 and 2). Exits 1 when a part failed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, loadConfig, startControlPlane } from '../control-plane/dist/index.js';
import { BenchCluster, counterRepo, idleAgents, login, pct, printRows, sleep, startAgent, stopChildren } from './_scale-lib.mjs';
import { arg } from './lib/common.mjs';

const STEPS = arg('steps', 200);
const DEPLOYS = arg('deploys', 5);
const AGENTS = arg('agents', 10_000);
const PROJECTS = 4;
const rows = [];
const row = (what, value, target = '') => rows.push({ what, value, target });

async function inProcess(cluster) {
  const cp = await startControlPlane(loadConfig({ ...cluster.env, PORT: '0', DEVFLOW_DATA_DIR: join(cluster.dir, 'cp-a') }), { logger: createLogger('silent'), print: () => {} });
  return cp;
}

/** 1 + 2 for one cluster size. */
async function throughput(n) {
  const cluster = new BenchCluster(`n${n}`);
  let a;
  try {
    a = await inProcess(cluster);
    const others = [];
    for (let i = 1; i < n; i++) others.push(await cluster.start());
    const urls = [a.url, ...others.map((o) => o.url)];
    const call = await login(a.url);
    const agent = await startAgent(call, [urls.at(-1)], 'bench-agent', cluster.dir);

    // 1. Dispatch latency.
    const { dispatcher, bus } = a.services;
    const roundTrip = [];
    const oneWay = [];
    const handedOff = [];
    for (let i = 0; i < STEPS; i++) {
      const stepId = `stp_bench_${n}_${i}`;
      let started;
      const seen = new Promise((resolve) => (started = resolve));
      const unsubscribe = await bus.subscribe(`step:${stepId}`, (e) => e.type === 'started' && started(e));
      const t0 = performance.now();
      const wall0 = Date.now();
      const { done } = await dispatcher.runStep(agent.id, { kind: 'exec', argv: ['true'], timeoutMs: 10_000 }, { stepId });
      handedOff.push(performance.now() - t0);
      const e = await seen;
      roundTrip.push(performance.now() - t0);
      oneWay.push(e.startedAt - wall0);
      await done;
      await unsubscribe();
    }
    row(`dispatch, ${n} instance(s): runStep -> agent spawned (agent clock) p50 / p99`, `${pct(oneWay, 50)} / ${pct(oneWay, 99)} ms`, n === 3 ? 'p99 <= 50 ms' : '');
    row(`dispatch, ${n} instance(s): runStep returned on A (stored, sent or handed to the bus) p50 / p99`, `${pct(handedOff, 50).toFixed(1)} / ${pct(handedOff, 99).toFixed(1)} ms`);
    row(`dispatch, ${n} instance(s): runStep -> started event back on A p50 / p99`, `${pct(roundTrip, 50).toFixed(1)} / ${pct(roundTrip, 99).toFixed(1)} ms`);

    // 2. Deployments per minute: PROJECTS projects, each deploying DEPLOYS times in a row (force), requests spread over the instances.
    const projects = [];
    for (let p = 0; p < PROJECTS; p++) {
      const repo = join(cluster.dir, `repo-${p}`);
      mkdirSync(repo);
      await counterRepo(repo, 3, 1);
      await call('POST', a.url, '/api/projects', { name: `bench-${p}`, repositoryUrl: repo, preset: 'custom', defaultBranch: 'main' });
      await call('POST', a.url, `/api/projects/bench-${p}/environments`, { name: 'production', branch: 'main', serverIds: [agent.id] });
      projects.push(`/api/projects/bench-${p}/environments/production`);
    }
    let k = 0;
    const started = performance.now();
    const outcomes = await Promise.all(
      projects.map(async (base) => {
        const statuses = [];
        for (let d = 0; d < DEPLOYS; d++) {
          const target = urls[k++ % urls.length];
          const { deployment } = await call('POST', target, `${base}/deployments`, { force: true });
          for (;;) {
            const { deployment: now } = await call('GET', target, `/api/deployments/${deployment.id}`);
            if (['succeeded', 'failed', 'cancelled', 'timed_out', 'skipped'].includes(now.status)) {
              statuses.push(now.status);
              break;
            }
            await sleep(50);
          }
        }
        return statuses;
      }),
    );
    const minutes = (performance.now() - started) / 60_000;
    const all = outcomes.flat();
    const ok = all.filter((s) => s === 'succeeded').length;
    row(`deployments/minute, ${n} instance(s) (${PROJECTS} projects x ${DEPLOYS}, one agent)`, `${(all.length / minutes).toFixed(1)} (${ok}/${all.length} succeeded)`);
    agent.child.kill('SIGTERM');
  } finally {
    await a?.close().catch(() => undefined);
    await cluster.cleanup();
  }
}

/** 3. Takeover after kill -9 of the orchestrating instance. */
async function takeover(runs = 3) {
  const cluster = new BenchCluster('takeover');
  try {
    for (let i = 0; i < 3; i++) await cluster.start();
    const urls = cluster.instances.map((i) => i.url);
    const call = await login(urls[0]);
    const agent = await startAgent(call, urls, 'bench-agent', cluster.dir);
    const repo = join(cluster.dir, 'repo');
    mkdirSync(repo);
    await counterRepo(repo, 600, 25);
    await call('POST', urls[0], '/api/projects', { name: 'slow', repositoryUrl: repo, preset: 'custom', defaultBranch: 'main' });
    await call('POST', urls[0], '/api/projects/slow/environments', { name: 'production', branch: 'main', serverIds: [agent.id] });
    const times = [];
    for (let r = 0; r < runs; r++) {
      const live = cluster.instances[0];
      const { deployment } = await (await login(live.url))('POST', live.url, '/api/projects/slow/environments/production/deployments', { force: true });
      let owner;
      for (;;) {
        const [row0] = await cluster.sql('SELECT claimed_by, status FROM deployments WHERE id = ?', [deployment.id]);
        owner = cluster.instances.find((i) => i.id === row0?.claimed_by);
        if (owner) break;
        await sleep(20);
      }
      await sleep(1500);
      const port = owner.port;
      await cluster.kill9(owner);
      const t0 = performance.now();
      for (;;) {
        const [row1] = await cluster.sql('SELECT claimed_by FROM deployments WHERE id = ?', [deployment.id]);
        if (row1?.claimed_by && row1.claimed_by !== owner.id) break;
        await sleep(20);
      }
      times.push(performance.now() - t0);
      // Let it finish, then bring the killed instance back for the next run.
      for (;;) {
        const [row2] = await cluster.sql('SELECT status FROM deployments WHERE id = ?', [deployment.id]);
        if (row2?.status !== 'running' && row2?.status !== 'queued') break;
        await sleep(200);
      }
      await cluster.start(port);
    }
    row(`takeover after kill -9 of the orchestrator (${runs} runs) min / median / max`, `${(Math.min(...times) / 1000).toFixed(1)} / ${(pct(times, 50) / 1000).toFixed(1)} / ${(Math.max(...times) / 1000).toFixed(1)} s`, '<= 15 s');
    agent.child.kill('SIGTERM');
  } finally {
    await cluster.cleanup();
  }
}

const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : ['dispatch', 'takeover', 'idle'];
const parts = [
  ['dispatch', '1 instance', () => throughput(1)],
  ['dispatch', '3 instances', () => throughput(3)],
  ['takeover', 'takeover', () => takeover()],
  ['idle', 'idle agents', async () => rows.push(...(await idleAgents({ agents: AGENTS, simulators: 2 })))],
];
// One part failing (or missing a deadline) still prints the others.
let failed = false;
for (const [, name, part] of parts.filter(([group]) => ONLY.includes(group))) {
  try {
    await part();
  } catch (err) {
    failed = true;
    row(`${name}: FAILED`, err instanceof Error ? err.message : String(err));
  }
}
stopChildren();
printRows(rows);
process.exit(failed ? 1 : 0);
