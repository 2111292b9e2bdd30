#!/usr/bin/env node
// Deployment benchmark (issue 3 targets), real processes on loopback:
//   1. The same six-step deployment (fetch on a warm mirror, four trivial steps, activate):
//      (a) through DevFlow's agent, (b) as the same commands over OpenSSH, one connection per
//      step (Deployer/Capistrano) and (c) with ControlMaster multiplexing. Median total, per step.
//   2. The full deployment through the API (plan + 6 steps + prune): request -> succeeded.
//   3. Deploy request -> first step started on the agent: p50/p99.
//   4. Rollback of a symlink release: request -> old release live (deployment succeeded).
// Needs /usr/sbin/sshd (Debian openssh-server; `.ci/run` installs it) and root or a user that
// may run sshd on a high port (--no-ssh skips them, for a quick DevFlow-only comparison).
// Usage: npm run build && node bench/deploy.mjs [--runs 15] [--latency-runs 40] [--no-ssh]
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, freePort, pct, sleep } from './lib/common.mjs';
import { adminApi, finishedOnBus, startBenchAgent, startBenchControlPlane } from './lib/control-plane.mjs';

const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find(existsSync);
const RUNS = arg('runs', 15);
const LATENCY_RUNS = arg('latency-runs', 40);
const run = promisify(execFile);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => (x === undefined ? 'n/a' : `${x.toFixed(1)} ms`);

const tmp = mkdtempSync(join(tmpdir(), 'devflow-bench-deploy-'));
const children = [];

// ---- a small repository ----
const repo = join(tmp, 'repo');
mkdirSync(repo);
const git = (...args) => execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', ...args], { cwd: repo, encoding: 'utf8' }).trim();
git('init', '-q', '-b', 'main');
for (let i = 0; i < 20; i++) writeFileSync(join(repo, `file-${i}.txt`), `content ${i}\n`.repeat(50));
git('add', '-A');
git('commit', '-q', '-m', 'bench');
const sha = git('rev-parse', 'HEAD');

// ---- control plane (in-process) + one real agent ----
const cp = await startBenchControlPlane(join(tmp, 'cp'));
const { dispatcher, bus } = cp.services;

try {
  const api = await adminApi(cp.url);
  const { id: agentId, child: agent } = await startBenchAgent(cp, join(tmp, 'agent'));
  children.push(agent);

  const t = { argv: ['true'] };
  await api('POST', '/api/projects', { name: 'bench', repositoryUrl: repo, preset: 'custom', defaultBranch: 'main' });
  await api('POST', '/api/projects/bench/environments', { name: 'prod', serverIds: [agentId], pipeline: { install: t, build: t, migrate: t, cache: t, healthcheck: false } });

  const finished = (id) => finishedOnBus(bus, async (d) => (await api('GET', `/api/deployments/${d}`)).deployment, id);
  const deploy = async () => {
    const { deployment } = await api('POST', '/api/projects/bench/environments/prod/deployments', { force: true });
    return deployment.id;
  };
  // Warm: both mirrors (control plane and agent) hold the commit.
  if ((await finished(await deploy())).status !== 'succeeded') throw new Error('warm-up deployment failed');

  // 1a. Six steps straight through the agent.
  const app = 'bench-prod';
  const devflowSix = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const releaseId = `bench-${i}`;
    const specs = [
      { kind: 'git.sync', app, releaseId, repoUrl: repo, ref: 'main', commit: sha, timeoutMs: 60_000 },
      ...[0, 1, 2, 3].map(() => ({ kind: 'exec', argv: ['true'], release: { app, releaseId }, timeoutMs: 10_000 })),
      { kind: 'release.activate', app, releaseId, timeoutMs: 10_000 },
    ];
    const t0 = performance.now();
    for (const spec of specs) {
      const r = await (await dispatcher.runStep(agentId, spec)).done;
      if (r.status !== 'succeeded') throw new Error(`${spec.kind} failed: ${r.error}`);
    }
    if (i >= 2) devflowSix.push(performance.now() - t0);
  }

  // 2 + 3. Full deployments through the API; request -> first step started.
  const firstStarted = [];
  const fullDeploy = [];
  let waiting;
  dispatcher.events.on('started', () => {
    if (waiting) {
      firstStarted.push(performance.now() - waiting);
      waiting = undefined;
    }
  });
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const t0 = performance.now();
    waiting = t0;
    const d = await finished(await deploy());
    if (d.status !== 'succeeded') throw new Error(`deployment ${d.id} ${d.status}: ${d.reason}`);
    fullDeploy.push(performance.now() - t0);
  }

  // 4. Rollback: request -> the previous release is live again.
  const rollback = [];
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const t0 = performance.now();
    const { deployment } = await api('POST', '/api/projects/bench/environments/prod/rollback', {});
    const d = await finished(deployment.id);
    if (d.status !== 'succeeded') throw new Error(`rollback ${d.id} ${d.status}: ${d.reason}`);
    rollback.push(performance.now() - t0);
  }

  // 5. Live log: a step printing 1,000 lines/s for 3 s, followed over SSE; line read on the agent -> event received.
  const printer = "let n = 0; const t = setInterval(() => { console.log(`line ${++n} ${Date.now()}`); if (n >= 3000) clearInterval(t); }, 1);";
  await api('POST', '/api/projects/bench/environments', { name: 'stream', serverIds: [agentId], pipeline: { build: { argv: ['node', '-e', printer] }, healthcheck: false } });
  const { deployment: streamed } = await api('POST', '/api/projects/bench/environments/stream/deployments', {});
  const sse = await fetch(`${cp.url}/api/deployments/${streamed.id}/logs/stream`, { headers: api.headers });
  const reader = sse.body.getReader();
  const decoder = new TextDecoder();
  const lag = [];
  let buffer = '';
  for (let ended = false; !ended; ) {
    const { value, done } = await reader.read();
    if (done) break;
    const now = Date.now();
    buffer += decoder.decode(value, { stream: true });
    const events = buffer.split('\n\n');
    buffer = events.pop() ?? '';
    for (const ev of events) {
      if (ev.includes('event: end')) ended = true;
      const data = /^data: (.*)$/m.exec(ev)?.[1];
      if (!ev.includes('event: log') || !data) continue;
      for (const line of JSON.parse(data).lines) if (/^line \d+ \d+$/.test(line.text)) lag.push(now - line.ts);
    }
  }
  await reader.cancel().catch(() => undefined);

  // 1b/1c. The same six steps over OpenSSH on loopback.
  const ssh = SSHD && !process.argv.includes('--no-ssh') ? await sshBench() : undefined;

  const rows = [
    ['DevFlow agent (6 steps)', median(devflowSix), median(devflowSix) / 6],
    ...(ssh ? [['OpenSSH, connection per step', median(ssh.perConnection), median(ssh.perConnection) / 6], ['OpenSSH, ControlMaster', median(ssh.multiplexed), median(ssh.multiplexed) / 6]] : []),
  ];
  console.log(`\nSix-step deployment (fetch on a warm mirror, 4 x true, activate), median of ${RUNS} runs`);
  console.log('| path | total | per step |\n|---|---|---|');
  for (const [name, total, per] of rows) console.log(`| ${name} | ${ms(total)} | ${ms(per)} |`);
  if (ssh) {
    console.log(`speed-up vs SSH per connection: ${(median(ssh.perConnection) / median(devflowSix)).toFixed(1)}x, vs ControlMaster: ${(median(ssh.multiplexed) / median(devflowSix)).toFixed(1)}x`);
  } else console.log(SSHD ? 'OpenSSH: skipped (--no-ssh)' : 'OpenSSH: sshd not installed (apt-get install openssh-server); SSH rows skipped');
  console.log(`\nThrough the API (${LATENCY_RUNS} deployments, plan + 6 steps + prune):`);
  console.log('| measure | p50 | p99 | target |\n|---|---|---|---|');
  console.log(`| deploy request -> first step started | ${ms(pct(firstStarted, 50))} | ${ms(pct(firstStarted, 99))} | p99 <= 100 ms |`);
  console.log(`| deploy request -> succeeded | ${ms(pct(fullDeploy, 50))} | ${ms(pct(fullDeploy, 99))} | |`);
  console.log(`| rollback request -> old release live (${rollback.length} runs) | ${ms(pct(rollback, 50))} | ${ms(pct(rollback, 99))} | <= 1 s |`);
  console.log(`| DevFlow six steps, total | ${ms(pct(devflowSix, 50))} | ${ms(pct(devflowSix, 99))} | <= 60 ms |`);
  console.log(`| live log, line read on the agent -> SSE event received (${lag.length} lines at ~1,000/s) | ${ms(pct(lag, 50))} | ${ms(pct(lag, 99))} | p99 <= 100 ms |`);
} finally {
  for (const c of children) c.kill('SIGKILL');
  await cp.close();
  rmSync(tmp, { recursive: true, force: true });
}

async function sshBench() {
  const dir = join(tmp, 'ssh');
  mkdirSync(dir, { mode: 0o700 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  execFileSync('cp', [join(dir, 'client_key.pub'), join(dir, 'authorized_keys')]);
  const port = await freePort();
  const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PubkeyAuthentication yes', 'PasswordAuthentication no',
      'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password', 'UsePAM no', 'StrictModes no', `AllowUsers ${user}`, '',
    ].join('\n'),
  );
  const sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  children.push(sshd);
  for (let i = 0; ; i++) {
    const ok = await new Promise((r) => connect(port, '127.0.0.1').once('connect', function () { this.destroy(); r(true); }).once('error', () => r(false)));
    if (ok) break;
    if (i > 100) throw new Error('sshd did not start');
    await sleep(50);
  }
  const base = ['-p', String(port), '-i', join(dir, 'client_key'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'];
  const mux = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${join(dir, 'cm-%C')}`, '-o', 'ControlPersist=120'];
  // The same work as the agent: fetch into a bare mirror, check out the commit into a release, 4 x true, switch the symlink.
  const work = join(tmp, 'ssh-target');
  mkdirSync(join(work, 'releases'), { recursive: true });
  execFileSync('git', ['clone', '-q', '--bare', repo, join(work, 'repo.git')]);
  const steps = (id) => [
    `git -C ${work}/repo.git fetch -q ${repo} '+refs/heads/main:refs/heads/main' && mkdir -p ${work}/releases/${id} && git -C ${work}/repo.git archive ${sha} | tar -x -C ${work}/releases/${id}`,
    ...[0, 1, 2, 3].map(() => `cd ${work}/releases/${id} && true`),
    `ln -sfn ${work}/releases/${id} ${work}/current.tmp && mv -T ${work}/current.tmp ${work}/current`,
  ];
  const time = async (extra, label) => {
    const out = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const t0 = performance.now();
      for (const cmd of steps(`${label}-${i}`)) await run('ssh', [...base, ...extra, `${user}@127.0.0.1`, cmd]);
      if (i > 0) out.push(performance.now() - t0);
    }
    return out;
  };
  const perConnection = await time([], 'plain');
  const multiplexed = await time(mux, 'mux');
  await run('ssh', [...base, ...mux, '-O', 'exit', `${user}@127.0.0.1`]).catch(() => undefined);
  return { perConnection, multiplexed };
}
