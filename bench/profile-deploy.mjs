#!/usr/bin/env node
// Where does a deployment's time go? Wraps the control plane's services in-process (no source
// changes) and prints, per phase of "deploy request -> first step started", the median time,
// the number of database round trips and of child processes (git) started in that phase.
// Also the six-step dispatcher path split into send (insert+sign+frame) / agent start / run / ack.
// With --cpu-prof DIR: CPU profiles of both processes (control plane in-process, agent through
// bench/lib/cpu-profile.cjs) over the six-step phase only, written to DIR, top functions printed.
// Usage: npm run build && node bench/profile-deploy.mjs [--runs 20] [--sql] [--cpu-prof DIR]
import childProcess, { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { syncBuiltinESMExports } from 'node:module';
import { Session } from 'node:inspector/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { createLogger, loadConfig, startControlPlane } from '../control-plane/dist/index.js';
import { finishedOnBus } from './lib/control-plane.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const AGENT = join(root, 'agent/dist/devflow-agent.js');
const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 20;
const p = process.argv.indexOf('--cpu-prof');
const PROF_DIR = p > 0 ? process.argv[p + 1] : undefined;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);

// ---- counters: child processes and database round trips, attributed to the current phase ----
let phase = 'idle';
const spawns = new Map();
const dbCalls = new Map();
const bump = (m) => m.set(phase, (m.get(phase) ?? 0) + 1);
const spawnArgv = [];
for (const name of ['spawn', 'execFile']) {
  const orig = childProcess[name];
  childProcess[name] = function (file, args, ...rest) {
    bump(spawns);
    if (phase !== 'idle') spawnArgv.push(`${phase}: ${file} ${(Array.isArray(args) ? args : []).filter((a) => !a.startsWith('protocol.') && a !== '-c').slice(0, 4).join(' ')}`);
    return orig.call(this, file, args, ...rest);
  };
}
syncBuiltinESMExports();

const tmp = mkdtempSync(join(tmpdir(), 'devflow-profile-'));
const repo = join(tmp, 'repo');
mkdirSync(repo);
const git = (...args) => execFileSync('git', ['-c', 'user.name=B', '-c', 'user.email=b@example.com', ...args], { cwd: repo, encoding: 'utf8' }).trim();
git('init', '-q', '-b', 'main');
for (let k = 0; k < 20; k++) writeFileSync(join(repo, `file-${k}.txt`), `content ${k}\n`.repeat(50));
git('add', '-A');
git('commit', '-q', '-m', 'bench');
const sha = git('rev-parse', 'HEAD');

const cp = await startControlPlane(
  loadConfig({ PORT: '0', HOST: '127.0.0.1', DEVFLOW_DATA_DIR: join(tmp, 'cp'), DEVFLOW_ADMIN_EMAIL: 'b@example.com', DEVFLOW_ADMIN_PASSWORD: 'bench-admin-pw', LOG_LEVEL: 'silent', DEVFLOW_QUICKSTART: 'off', DEVFLOW_ALLOW_LOCAL_REPOSITORIES: 'on', DEVFLOW_ALLOWED_INTERNAL_HOSTS: '127.0.0.0/8,::1,localhost', DEVFLOW_MIN_FREE_DISK_BYTES: '1' }),
  { logger: createLogger('silent'), print: () => {} },
);
const s = cp.services;
const SQL = process.argv.includes('--sql');
const sqlLog = [];
for (const m of ['execute', 'batch', 'transaction']) {
  const orig = s.db[m].bind(s.db);
  s.db[m] = (...a) => {
    bump(dbCalls);
    if (SQL && phase !== 'idle') sqlLog.push(`${phase.padEnd(8)} ${m} ${(typeof a[0] === 'string' ? a[0] : Array.isArray(a[0]) ? `[${a[0].length}] ${a[0][0]?.sql ?? a[0][0]}` : a[0]?.sql ?? '').replace(/\s+/g, ' ').slice(0, 110)}`);
    return orig(...a);
  };
}

// ---- phase marks ----
const marks = [];
let mark = () => {};
const wrap = (obj, name, label) => {
  const orig = obj[name].bind(obj);
  obj[name] = async (...a) => {
    mark(`${label}>`);
    try {
      return await orig(...a);
    } finally {
      mark(`${label}<`);
    }
  };
};
wrap(s.repositories, 'resolve', 'resolve');
wrap(s.engine.store, 'insert', 'insert');
wrap(s.engine.queue, 'claim', 'claim');
wrap(s.engine.queue.d, 'prepare', 'prepare');
wrap(s.repositories, 'listRootFiles', 'lsRoot');
wrap(s.repositories, 'readFile', 'readFile');
wrap(s.engine.orchestrator, 'execute', 'execute');
wrap(s.dispatcher, 'runStep', 'runStep');
s.dispatcher.events.on('sent', () => mark('sent'));
s.dispatcher.events.on('started', () => mark('started'));

const children = [];
try {
  const login = await fetch(`${cp.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' }, body: JSON.stringify({ email: 'b@example.com', password: 'bench-admin-pw' }) });
  const headers = { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0], 'content-type': 'application/json', 'x-devflow-csrf': '1' };
  const api = async (method, path, body) => {
    const res = await fetch(`${cp.url}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    const json = await res.json();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const { id: agentId, enrollToken } = await s.servers.create('bench', { name: 'p-1' });
  const agentDir = join(tmp, 'agent');
  await promisify(execFile)(process.execPath, [AGENT, 'enroll', '--url', cp.url, '--token', enrollToken, '--name', 'p-1', '--data-dir', agentDir]);
  const profEnv = PROF_DIR ? { NODE_OPTIONS: `--require ${join(root, 'bench/lib/cpu-profile.cjs')}`, PROF_OUT: PROF_DIR } : {};
  if (PROF_DIR) mkdirSync(PROF_DIR, { recursive: true });
  const agent = spawn(process.execPath, [AGENT, 'run', '--data-dir', agentDir], { stdio: 'ignore', env: { ...process.env, DEVFLOW_AGENT_LOG_LEVEL: 'warn', ...profEnv } });
  children.push(agent);
  while ((await s.servers.get(agentId)).status !== 'online') await sleep(20);
  const t = { argv: ['true'] };
  await api('POST', '/api/projects', { name: 'bench', repositoryUrl: repo, preset: 'custom', defaultBranch: 'main' });
  await api('POST', '/api/projects/bench/environments', { name: 'prod', serverIds: [agentId], pipeline: { install: t, build: t, migrate: t, cache: t, healthcheck: false } });
  const finished = (id) => finishedOnBus(s.bus, (d) => s.engine.store.get(d), id);

  const rows = [];
  for (let r = 0; r < RUNS + 2; r++) {
    const t0 = performance.now();
    const seen = [];
    let firstStarted;
    const started = new Promise((res) => (firstStarted = res));
    mark = (label) => {
      seen.push([label, performance.now() - t0]);
      if (label === 'started') firstStarted();
    };
    phase = 'request';
    const res = api('POST', '/api/projects/bench/environments/prod/deployments', { force: true });
    // Attribute counters to the phase we are in from the marks.
    const onMark = mark;
    mark = (label) => {
      onMark(label);
      if (label === 'resolve>') phase = 'resolve';
      else if (label === 'resolve<') phase = 'request';
      else if (label === 'claim>') phase = 'claim';
      else if (label === 'prepare>') phase = 'prepare';
      else if (label === 'execute>') phase = 'execute';
      else if (label === 'runStep>') phase = 'runStep';
      else if (label === 'sent') phase = 'agent';
      else if (label === 'started') phase = 'after';
    };
    const { deployment } = await res;
    seen.push(['response', performance.now() - t0]);
    await started;
    phase = 'after';
    const d = await finished(deployment.id);
    phase = 'idle';
    mark = () => {};
    if (d.status !== 'succeeded') throw new Error(`deployment ${d.status}: ${d.reason}`);
    if (SQL && r === RUNS + 1) for (const line of sqlLog.splice(0)) console.log(line);
    else sqlLog.length = 0;
    if (r >= 2) rows.push(Object.fromEntries(seen.filter(([l], k) => seen.findIndex(([m]) => m === l) === k)));
  }
  const at = (label) => median(rows.map((x) => x[label]).filter((v) => v !== undefined));
  console.log(`\nDeploy request -> first step started, medians of ${RUNS} (ms from the request; load ${execFileSync('uptime', { encoding: 'utf8' }).trim().split('load average: ')[1]})`);
  for (const label of ['resolve>', 'resolve<', 'insert>', 'insert<', 'claim>', 'response', 'prepare>', 'lsRoot>', 'lsRoot<', 'readFile>', 'readFile<', 'prepare<', 'execute>', 'runStep>', 'sent', 'started']) {
    console.log(`  ${label.padEnd(10)} ${at(label).toFixed(1)}`);
  }
  const per = (m) => [...m].filter(([k]) => k !== 'idle').map(([k, v]) => `${k}=${(v / (RUNS + 2)).toFixed(1)}`).join(' ');
  console.log(`per deployment: child processes ${per(spawns)}`);
  console.log(`per deployment: db round trips ${per(dbCalls)}`);
  console.log('child processes of the last deployment:');
  for (const line of spawnArgv.slice(-12)) console.log(`  ${line}`);

  // ---- six steps straight through the dispatcher: send / agent start / run+result / resolve ----
  const app = 'bench-prod';
  const split = { send: [], toStart: [], toDone: [], total: [] };
  const byIndex = [[], [], [], [], [], []];
  const sixDb = [];
  const profiler = PROF_DIR ? await startProfiles(agent) : undefined;
  // CPU time is what a loaded machine cannot blur: this process (control plane), the agent, and the processes it started.
  const cpu0 = { cp: process.cpuUsage(), agent: procCpu(agent.pid) };
  for (let r = 0; r < RUNS + 2; r++) {
    const specs = [
      { kind: 'git.sync', app, releaseId: `p-${r}`, repoUrl: repo, ref: 'main', commit: sha, timeoutMs: 60_000 },
      ...[0, 1, 2, 3].map(() => ({ kind: 'exec', argv: ['true'], release: { app, releaseId: `p-${r}` }, timeoutMs: 10_000 })),
      { kind: 'release.activate', app, releaseId: `p-${r}`, timeoutMs: 10_000 },
    ];
    const before = dbCalls.get('six') ?? 0;
    phase = 'six';
    const t0 = performance.now();
    for (const [k, spec] of specs.entries()) {
      const a = performance.now();
      let sentAt, startedAt;
      const onSent = () => (sentAt ??= performance.now());
      const onStarted = () => (startedAt ??= performance.now());
      s.dispatcher.events.on('sent', onSent);
      s.dispatcher.events.on('started', onStarted);
      const res = await (await s.dispatcher.runStep(agentId, spec)).done;
      const end = performance.now();
      s.dispatcher.events.off('sent', onSent);
      s.dispatcher.events.off('started', onStarted);
      if (res.status !== 'succeeded') throw new Error(`${spec.kind}: ${res.error}`);
      if (r >= 2) {
        split.send.push(sentAt - a);
        split.toStart.push(startedAt - sentAt);
        split.toDone.push(end - startedAt);
        byIndex[k].push(end - a);
      }
    }
    if (r >= 2) split.total.push(performance.now() - t0);
    phase = 'idle';
    if (r >= 2) sixDb.push((dbCalls.get('six') ?? 0) - before);
  }
  console.log(`\nSix steps through the dispatcher, medians of ${RUNS}: total ${median(split.total).toFixed(1)} ms; per step: runStep->sent ${median(split.send).toFixed(1)}, sent->started ${median(split.toStart).toFixed(1)}, started->result ${median(split.toDone).toFixed(1)}; db round trips per 6 steps ${median(sixDb)}`);
  const cpuCp = process.cpuUsage(cpu0.cp);
  const cpuAgent = procCpu(agent.pid);
  const perRun = (ms) => (ms / (RUNS + 2)).toFixed(1);
  console.log(
    `CPU per six-step run: control plane ${perRun((cpuCp.user + cpuCp.system) / 1000)} ms, agent ${perRun(cpuAgent.self - cpu0.agent.self)} ms, ` +
      `its child processes ${perRun(cpuAgent.children - cpu0.agent.children)} ms (load ${execFileSync('uptime', { encoding: 'utf8' }).trim().split('load average: ')[1]})`,
  );
  if (profiler) await profiler.stop();
  console.log(`per step, request -> result: ${byIndex.map((xs, k) => `${k === 0 ? 'git.sync' : k === 5 ? 'activate' : 'true'} ${median(xs).toFixed(1)}`).join(', ')}`);
} finally {
  for (const c of children) c.kill('SIGKILL');
  await cp.close();
  rmSync(tmp, { recursive: true, force: true });
}

/** CPU ms of a process from /proc: its own, and that of its children it has reaped. */
function procCpu(pid) {
  // Fields after the command name (which may hold spaces): utime is the 12th, stime, cutime, cstime follow.
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  return { self: (Number(f[11]) + Number(f[12])) * tick, children: (Number(f[13]) + Number(f[14])) * tick };
}

/** Profiles this process (the control plane) and the agent over one phase; prints each side's top functions by self time. */
async function startProfiles(agent) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const agentProfiles = () => readdirSync(PROF_DIR).filter((f) => f.startsWith('cp-'));
  // cpu-profile.cjs writes what it sampled so far on SIGUSR2 and starts again: drop the start-up part.
  const waitForProfile = async (n) => {
    while (agentProfiles().length < n) await sleep(20);
  };
  agent.kill('SIGUSR2');
  await waitForProfile(1);
  for (const f of agentProfiles()) rmSync(join(PROF_DIR, f));
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      agent.kill('SIGUSR2');
      await waitForProfile(1);
      const agentFile = join(PROF_DIR, 'agent.cpuprofile');
      const { renameSync } = await import('node:fs');
      renameSync(join(PROF_DIR, agentProfiles()[0]), agentFile);
      writeFileSync(join(PROF_DIR, 'control-plane.cpuprofile'), JSON.stringify(profile));
      printTop('control plane', profile);
      printTop('agent', JSON.parse(readFileSync(agentFile, 'utf8')));
    },
  };
}

function printTop(name, profile) {
  const dt = new Map();
  for (let k = 0; k < profile.samples.length; k++) dt.set(profile.samples[k], (dt.get(profile.samples[k]) ?? 0) + (profile.timeDeltas[k] ?? 0));
  const self = new Map();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const us = dt.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
  }
  console.log(`\n${name}: ${(total / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle; top self time:`);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${(us / 1000).toFixed(1).padStart(7)} ms  ${key}`);
}
