#!/usr/bin/env node
// Quick loop for the idle-agent part of bench/scale.mjs (run.mjs skips `_` files): N simulated
// agents on one instance, connect time from cold, RSS per connection, time back after a restart.
//   node bench/_scale-idle.mjs [--agents 2000] [--prof <dir>]   (--prof: CPU profile of the first instance, cold connect + idle)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchCluster, root, rssKb, seedSimulatedAgents, sleep } from './_scale-lib.mjs';
import { arg } from './lib/common.mjs';

const AGENTS = arg('agents', 2000);
const profIdx = process.argv.indexOf('--prof');
const PROF = profIdx > 0 ? process.argv[profIdx + 1] : undefined;

// CPU time (user + system) of a process in ms: on a shared, loaded machine a steadier measure than wall time.
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};
const cluster = new BenchCluster('idle');
let sim;
try {
  let cp = await cluster.start(0, PROF ? { NODE_OPTIONS: `--require ${join(root, 'bench/lib/cpu-profile.cjs')}`, PROF_OUT: PROF } : {});
  const keyFile = await seedSimulatedAgents(cluster, AGENTS);
  await sleep(2000);
  const before = rssKb(cp.pid);
  const cpu0 = cpuMs(cp.pid);
  let welcomed = 0;
  sim = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', process.execPath, join(root, 'bench/_scale-sim.mjs'), cp.url, keyFile, '0', String(AGENTS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  sim.stdout.on('data', (c) => {
    const m = /welcomed=(\d+)[^\n]*\n?$/.exec(String(c).trim().split('\n').at(-1) ?? '');
    if (m) welcomed = Number(m[1]);
  });
  const wait = async (what, limitMs) => {
    const t = performance.now();
    while (welcomed < AGENTS) {
      if (performance.now() - t > limitMs) throw new Error(`${what}: only ${welcomed} of ${AGENTS} after ${limitMs / 1000} s`);
      await sleep(50);
    }
    return (performance.now() - t) / 1000;
  };
  const connectS = await wait('cold connect', 300_000);
  const cpuPerConnect = (cpuMs(cp.pid) - cpu0) / AGENTS;
  await sleep(8000);
  const after = rssKb(cp.pid);
  console.log(`${AGENTS} agents connected from cold: ${connectS.toFixed(1)} s (${(AGENTS / connectS).toFixed(0)}/s)`);
  console.log(`control-plane CPU per connect: ${cpuPerConnect.toFixed(2)} ms`);
  console.log(`RSS per idle connection: ${((after - before) / AGENTS).toFixed(1)} KB (${(before / 1024).toFixed(0)} -> ${(after / 1024).toFixed(0)} MB)`);
  const port = cp.port;
  if (PROF) {
    cp.child.kill('SIGUSR2');
    await sleep(2000);
  }
  await cluster.kill9(cp);
  while (welcomed > 0) await sleep(50);
  cp = await cluster.start(port);
  const cpu1 = cpuMs(cp.pid);
  console.log(`all back after restart (from listening): ${(await wait('reconnect', 300_000)).toFixed(1)} s, CPU ${((cpuMs(cp.pid) - cpu1) / AGENTS).toFixed(2)} ms per reconnect`);
} finally {
  sim?.kill('SIGKILL');
  await cluster.cleanup();
}
process.exit(0);
