#!/usr/bin/env node
// Foundation benchmark (issue 2 targets), on loopback with real processes:
//   1. step.run sent -> step.started received (child spawned), p50/p99 over sequential `true` steps
//   2. log path agent -> control plane -> database for one step: lines/s and lines lost
//   3. log store alone (multi-row INSERT batches into the libsql file): lines/s
//   4. agent idle RSS
// Usage: npm run build && node bench/foundation.mjs [--steps 200] [--lines 200000]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, pct, sleep } from './lib/common.mjs';
import { startBenchAgent, startBenchControlPlane } from './lib/control-plane.mjs';

const STEPS = arg('steps', 200);
const LINES = arg('lines', 200_000);

const tmp = mkdtempSync(join(tmpdir(), 'devflow-bench-'));
const cp = await startBenchControlPlane(join(tmp, 'cp'));
const { dispatcher, logs, steps } = cp.services;
let agent;

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

try {
  // Enrol and start a real agent.
  let id;
  ({ id, child: agent } = await startBenchAgent(cp, join(tmp, 'agent')));

  // 4 (first, while idle): agent RSS after a few quiet seconds.
  await sleep(3000);
  const idleRss = rssMb(agent.pid);

  // 1. Latency step.run -> step.started, sequential.
  // Two views: until the agent's step.started arrives back (round trip, upper bound), and until
  // the agent's own spawn timestamp (same machine clock, 1 ms resolution).
  const sent = new Map();
  const latencies = [];
  const spawnLatencies = [];
  dispatcher.events.on('sent', (e) => sent.set(e.stepId, e));
  dispatcher.events.on('started', (e) => {
    const s = sent.get(e.stepId);
    if (!s) return;
    latencies.push(e.at - s.at);
    spawnLatencies.push(e.agentStartedAt - s.wallAt);
  });
  for (let i = 0; i < STEPS; i++) {
    const { done } = await dispatcher.runStep(id, { kind: 'exec', argv: ['true'], timeoutMs: 10_000 });
    await done;
  }
  latencies.sort((a, b) => a - b);
  spawnLatencies.sort((a, b) => a - b);

  // 2. Log path end to end for one step.
  // CPU time per line of both processes: on a shared, loaded machine wall-clock rates swing with
  // the load, CPU per line much less. (The control plane's figure includes this script's polling.)
  const agentCpuMs = () => {
    const f = readFileSync(`/proc/${agent.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  };
  const agentCpu0 = agentCpuMs();
  const cpCpu0 = process.cpuUsage();
  const t0 = performance.now();
  const run = await dispatcher.runStep(id, { kind: 'exec', argv: ['seq', '1', String(LINES)], timeoutMs: 600_000 });
  const result = await run.done;
  while ((await steps.find(run.stepId)).logAckedSeq < result.lastSeq) await sleep(5);
  const e2eSeconds = (performance.now() - t0) / 1000;
  const agentUsPerLine = ((agentCpuMs() - agentCpu0) * 1000) / LINES;
  const cpCpu = process.cpuUsage(cpCpu0);
  const cpUsPerLine = (cpCpu.user + cpCpu.system) / LINES;
  const stored = await logs.count(run.stepId);
  const afterRss = rssMb(agent.pid);

  // 3. Log store alone: batches of 2000 lines (the agent's batch cap) into one step.
  const storeStep = 'bench-store';
  await steps.insert({ id: storeStep, agentId: id, spec: { kind: 'exec', argv: ['true'], timeoutMs: 1000 }, specSealed: null, secretsSealed: null });
  const t1 = performance.now();
  for (let seq = 1; seq <= LINES; seq += 2000) {
    const batch = [];
    for (let s = seq; s < seq + 2000 && s <= LINES; s++) batch.push({ seq: s, stream: 'stdout', ts: Date.now(), text: `line ${s} of the benchmark output, typical length` });
    await logs.append(storeStep, batch);
  }
  const storeSeconds = (performance.now() - t1) / 1000;
  const storeCount = await logs.count(storeStep);

  const rows = [
    ['step.run sent -> child spawned (agent clock), p50', `${pct(spawnLatencies, 50)} ms`, '<= 5 ms'],
    ['step.run sent -> child spawned (agent clock), p99', `${pct(spawnLatencies, 99)} ms`, '<= 20 ms'],
    ['step.run sent -> step.started back at CP, p50', `${pct(latencies, 50).toFixed(2)} ms`, '(round trip)'],
    ['step.run sent -> step.started back at CP, p99', `${pct(latencies, 99).toFixed(2)} ms`, '(round trip)'],
    [`log path agent -> db (${LINES} lines, one step)`, `${Math.round(stored / e2eSeconds).toLocaleString('en')} lines/s`, '>= 100,000 lines/s'],
    ['  lines lost', String(result.lastSeq - stored), '0'],
    ['  CPU per line: agent / control plane', `${agentUsPerLine.toFixed(2)} / ${cpUsPerLine.toFixed(2)} us`, '-'],
    [`log store alone (${LINES} lines, batches of 2000)`, `${Math.round(storeCount / storeSeconds).toLocaleString('en')} lines/s`, '>= 100,000 lines/s'],
    ['agent RSS idle', `${idleRss.toFixed(1)} MB`, '<= 50 MB'],
    ['agent RSS after the runs', `${afterRss.toFixed(1)} MB`, '-'],
  ];
  const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`\nDevFlow foundation benchmark (${STEPS} steps, ${LINES} lines; node ${process.version}; load ${load})\n`);
  console.log(`${'measure'.padEnd(w[0])}  ${'result'.padEnd(w[1])}  target`);
  for (const r of rows) console.log(`${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2]}`);
} finally {
  agent?.kill('SIGTERM');
  await cp.close();
  rmSync(tmp, { recursive: true, force: true });
}
