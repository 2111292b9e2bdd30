#!/usr/bin/env node
// Benchmark of the zero-downtime pieces: node bench/proxy.mjs [--quick]
//
// Needs no build: it bundles the agent's proxy/supervisor/health sources with esbuild (already a
// dev dependency through tsup) into a temp dir, runs the proxy as its own process like
// `devflow-agent proxy`, and drives it with the same step handlers the agent uses.
// Load: wrk when installed (apt-get install -y wrk), else test-fixtures/load.mjs at full speed.
// nginx (apt-get install -y nginx) runs privately on a loopback port with a temp prefix.
// Prints one table. Everything listens on 127.0.0.1 with ports chosen by the OS.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { freePort, root, sleep } from './lib/common.mjs';

const fixtures = join(root, 'agent/test-fixtures');
const versionApp = join(fixtures, 'version-app.mjs');
const quick = process.argv.includes('--quick');
const RUN_SECONDS = quick ? 2 : 4;
const RUNS = quick ? 1 : 3;
const SWAPS = 20;
const APP = 'bench-app';

/** User + system CPU seconds a process has used (Linux /proc, clock ticks of 1/100 s). */
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const which = (cmd) => ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'].map((d) => join(d, cmd)).find((p) => existsSync(p)) ?? null;
const WRK = which('wrk');
const NGINX = which('nginx');

const work = await mkdtemp(join(tmpdir(), 'df-bench-'));
const children = [];
const cleanups = [];
async function cleanup() {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  for (const c of children) c.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
try {

// ---- bundle our TypeScript ----
const lib = join(work, 'lib.mjs');
// execa's CommonJS dependencies call require(); give the ESM bundle one.
const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };
const proxyEntry = join(work, 'devflow-agent.mjs');
await build({
  stdin: {
    contents: `export * from './agent/src/proxy/index.ts'; export * from './agent/src/supervisor/index.ts'; export * from './agent/src/health/index.ts'; export { startNginx } from './agent/test-fixtures/nginx-instance.ts';`,
    resolveDir: root, loader: 'ts', sourcefile: 'bench-lib.ts',
  },
  outfile: lib, banner, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
});
await build({ entryPoints: [join(fixtures, 'proxy-entry.ts')], outfile: proxyEntry, banner, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error' });
const agent = await import(lib);

const dataDir = join(work, 'data');
const ctx = () => ({ stepId: 'bench', dataDir, signal: new AbortController().signal, log: () => undefined });
const trafficSwitch = agent.createTrafficSwitch({ entry: proxyEntry, host: '127.0.0.1' });
cleanups.push(async () => {
  const status = await agent.ProxyClient.forDataDir(dataDir).status().catch(() => null);
  if (status) process.kill(status.pid, 'SIGTERM');
  for (const slot of ['blue', 'green']) await agent.slotStop({ kind: 'slot.stop', app: APP, slot, graceMs: 1000, timeoutMs: 10_000 }, ctx());
});

// ---- load generators ----
function wrk(port, seconds, connections = 32) {
  return new Promise((resolve, reject) => {
    const child = spawn(WRK, ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => resolve(parseWrk(out)));
    resolve.child = child;
    wrk.last = child;
  });
}
function parseWrk(out) {
  const ms = (s) => {
    const m = /([\d.]+)(us|ms|s)/.exec(s ?? '');
    if (!m) return null;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50: ms(/50%\s+(\S+)/.exec(out)?.[1]),
    p99: ms(/99%\s+(\S+)/.exec(out)?.[1]),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}
/** Fixed-rate keep-alive load from our own script: latency without saturation queueing. */
function nodeLoad(port, { seconds, rate, connections = 4 }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(fixtures, 'load.mjs'), '--port', String(port), '--connections', String(connections), '--rate', String(rate), '--duration', String(seconds * 1000)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => {
      const line = out.split('\n').find((l) => l.startsWith('summary '));
      const s = JSON.parse(line.slice(8));
      resolve({ rps: s.rps, p50: s.p50ms, p99: s.p99ms, failed: s.failed + s.reset + s.incomplete });
    });
  });
}

async function startApp(version, port) {
  const child = spawn(process.execPath, [versionApp], { env: { ...process.env, PORT: String(port), VERSION: String(version) }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise((r) => child.stdout.on('data', (d) => String(d).includes('listening') && r()));
  return child;
}

/** The agent tests' private nginx (agent/test-fixtures/nginx-instance.ts) in front of the app; resolves with its worker's pid. */
async function startNginx(listenPort, appPort) {
  const prefix = join(work, 'nginx');
  const nginx = await agent.startNginx(prefix, listenPort, APP);
  await agent.writeNginxUpstream(nginx.upstreamDir, APP, 'blue', appPort);
  nginx.start();
  cleanups.push(() => nginx.stop());
  const master = readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim();
  for (let i = 0; i < 100; i++) {
    const worker = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim();
    if (worker) return Number(worker.split(' ')[0]);
    await sleep(20);
  }
  throw new Error('nginx started no worker');
}

// ---- 1. throughput and latency: direct vs proxy vs nginx ----
const rows = [];
  const appPort = await freePort();
  await startApp(1, appPort);
  const proxyPort = await freePort();
  await trafficSwitch({ kind: 'traffic.switch', app: APP, listenPort: proxyPort, slot: 'blue', targetPort: appPort, drainMs: 1000, timeoutMs: 10_000 }, ctx());
  const proxyPid = (await agent.ProxyClient.forDataDir(dataDir).status()).pid;
  // [name, port, pid of the process in between whose CPU per request we report]
  const targets = [['direct to app', appPort, null], ['devflow proxy', proxyPort, proxyPid]];
  if (NGINX) {
    const nginxPort = await freePort();
    targets.push(['nginx 1 worker', nginxPort, await startNginx(nginxPort, appPort)]);
  }
  // Rounds interleave the targets, so a burst of other work on the machine hits all of them alike.
  const sat = Object.fromEntries(targets.map(([name]) => [name, []]));
  const fixed = Object.fromEntries(targets.map(([name]) => [name, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, port, pid] of targets) {
      const cpuBefore = pid ? cpuSeconds(pid) : 0;
      const run = WRK ? await wrk(port, RUN_SECONDS) : await nodeLoad(port, { seconds: RUN_SECONDS, rate: 0, connections: 32 });
      const requests = run.requests ?? run.rps * RUN_SECONDS;
      run.cpuUs = pid && requests > 0 ? ((cpuSeconds(pid) - cpuBefore) / requests) * 1e6 : null;
      sat[name].push(run);
      fixed[name].push(await nodeLoad(port, { seconds: RUN_SECONDS, rate: 1000, connections: 4 }));
    }
  }
  const results = {};
  for (const [name] of targets) {
    const m = (xs, k) => median(xs.map((x) => x[k]));
    results[name] = { rps: m(sat[name], 'rps'), satP50: m(sat[name], 'p50'), satP99: m(sat[name], 'p99'), cpuUs: m(sat[name], 'cpuUs'), p50: m(fixed[name], 'p50'), p99: m(fixed[name], 'p99') };
  }
  console.log(`\nThroughput (${WRK ? 'wrk -t1 -c32' : 'node load, 32 connections'}, median of ${RUNS} x ${RUN_SECONDS}s) and latency at a fixed 1,000 req/s (4 keep-alive connections):`);
  // CPU per request of the process in between is what load on the shared machine distorts least.
  console.log('| target | req/s | p50 ms (saturated) | p99 ms (saturated) | proxy CPU µs/request | p50 ms @1k/s | p99 ms @1k/s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(results)) console.log(`| ${name} | ${Math.round(r.rps)} | ${r.satP50?.toFixed(2)} | ${r.satP99?.toFixed(2)} | ${r.cpuUs === null ? '-' : r.cpuUs.toFixed(1)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
  const proxy = results['devflow proxy'];
  const direct = results['direct to app'];
  const ngx = results['nginx 1 worker'];
  rows.push(['proxy req/s vs nginx', ngx ? `${(proxy.rps / ngx.rps).toFixed(2)}x` : 'nginx not installed', '>= 0.6x']);
  rows.push(['added p99 @1k/s (proxy - direct)', `${(proxy.p99 - direct.p99).toFixed(2)} ms`, '<= 2 ms']);

  // ---- 2. blue-green swaps under high load: healthy -> switched, failed requests ----
  const ports = { blue: appPort, green: await freePort() };
  await mkdir(join(dataDir, 'apps', APP, 'releases'), { recursive: true });
  // The app started above stands in for slot blue's first release; from here the supervisor runs the slots.
  for (const c of children.splice(0)) c.kill('SIGTERM');
  await sleep(300);
  let active = null;
  const deploy = async (version) => {
    const slot = active === 'blue' ? 'green' : 'blue';
    await mkdir(join(dataDir, 'apps', APP, 'releases', `r${version}`), { recursive: true });
    await agent.slotStart({ kind: 'slot.start', app: APP, slot, releaseId: `r${version}`, argv: [process.execPath, versionApp], port: ports[slot], env: { VERSION: String(version) }, timeoutMs: 30_000 }, ctx());
    const health = await agent.healthCheck({ kind: 'health.check', url: `http://127.0.0.1:${ports[slot]}/up`, expectStatus: 200, intervalMs: 10, attemptTimeoutMs: 2000, healthyAfter: 1, deadlineMs: 10_000, timeoutMs: 30_000 }, ctx());
    const t0 = performance.now();
    const sw = await trafficSwitch({ kind: 'traffic.switch', app: APP, listenPort: proxyPort, slot, targetPort: ports[slot], drainMs: 10_000, timeoutMs: 30_000 }, ctx());
    const stepMs = performance.now() - t0;
    active = slot;
    return { healthyToSwitched: sw.output.switchedAt - health.output.healthyAt, stepMs };
  };
  await deploy(1);
  const loadDuring = WRK ? wrk(proxyPort, 120) : nodeLoad(proxyPort, { seconds: 60, rate: 0, connections: 32 });
  await sleep(1000);
  const swaps = [];
  const swapStart = performance.now();
  for (let v = 2; v <= SWAPS + 1; v++) swaps.push(await deploy(v));
  const swapSeconds = (performance.now() - swapStart) / 1000;
  await sleep(500);
  if (WRK) wrk.last.kill('SIGINT');
  const during = await loadDuring;
  const failed = WRK ? during.non2xx + during.socketErrors : during.failed;
  const h2s = swaps.map((s) => s.healthyToSwitched);
  rows.push(['healthy -> switched (median / max of 20)', `${median(h2s)} / ${Math.max(...h2s)} ms`, '<= 50 ms']);
  rows.push([`failed requests during ${SWAPS} swaps (${swapSeconds.toFixed(1)} s)`, `${failed} of ${during.requests ?? '?'} at ${Math.round(during.rps)} req/s`, '0 at >= 5,000 req/s']);

  // ---- 3. warm rollback: switch back to the previous slot, still running ----
  const rollbacks = [];
  for (let i = 0; i < 10; i++) {
    const slot = active === 'blue' ? 'green' : 'blue';
    const t0 = performance.now();
    await trafficSwitch({ kind: 'traffic.switch', app: APP, listenPort: proxyPort, slot, targetPort: ports[slot], drainMs: 10_000, timeoutMs: 30_000 }, ctx());
    rollbacks.push(performance.now() - t0);
    active = slot;
  }
  rows.push(['warm rollback, traffic.switch step (median / max of 10)', `${median(rollbacks).toFixed(1)} / ${Math.max(...rollbacks).toFixed(1)} ms`, '<= 100 ms']);

  console.log('\nZero-downtime figures:');
  console.log('| measure | result | target |');
  console.log('|---|---|---|');
  for (const [m, r, t] of rows) console.log(`| ${m} | ${r} | ${t} |`);
  const os = await import('node:os');
  console.log(`\nmachine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}; load generator, app(s) and proxy share these cores.`);
} finally {
  await cleanup();
}
