// Shared pieces of bench/scale.mjs (run.mjs skips `_` files): control-plane processes of one
// cluster (shared Redis prefix, one database file, one secret key), admin API calls, a real agent.
import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { Redis } from 'ioredis';
import { AGENT, root, sleep } from './lib/common.mjs';

export { pct, root, sleep } from './lib/common.mjs';

// DEVFLOW_BENCH_MAIN: another build's main.js (e.g. of an older commit) to compare against in the same conditions.
export const MAIN = process.env.DEVFLOW_BENCH_MAIN ?? join(root, 'control-plane/dist/main.js');
export const REDIS_URL = process.env.DEVFLOW_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN = { email: 'bench@devflow.local', password: 'bench admin password' };
export const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
/** CPU time (user + system) of a process in ms: on a shared, loaded machine a steadier measure than wall time. */
export const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};
/** The descriptor limit (soft) the kernel applies to a running process, as `ulimit -n` would print it inside it. */
export const fdLimit = (pid) => /Max open files\s+(\S+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1] ?? '?';
/** Whether something accepts TCP connections on 127.0.0.1:port. */
export const listens = (port) =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    }).on('error', () => resolve(false));
  });
/** `sh -c 'ulimit -n <hard>; exec node …'`: every process of a run gets the same, raised descriptor limit. */
export const spawnNode = (args, options) => spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', process.execPath, ...args], options);
/** How long a control plane may take from spawn to listening before the run fails. */
const LISTEN_TIMEOUT_MS = 120_000;

const children = new Set();
export function stopChildren() {
  for (const c of children) c.kill('SIGKILL');
}
process.on('exit', stopChildren);

export class BenchCluster {
  constructor(name) {
    this.dir = mkdtempSync(join(tmpdir(), `devflow-bench-${name}-`));
    this.prefix = `devflow-bench:${randomBytes(5).toString('hex')}`;
    this.env = {
      DATABASE_URL: `file:${join(this.dir, 'devflow.db')}`,
      DEVFLOW_SECRET_KEY: randomBytes(32).toString('base64'),
      REDIS_URL,
      DEVFLOW_REDIS_PREFIX: this.prefix,
      DEVFLOW_ADMIN_EMAIL: ADMIN.email,
      DEVFLOW_ADMIN_PASSWORD: ADMIN.password,
      DEVFLOW_QUICKSTART: 'off', DEVFLOW_ALLOW_LOCAL_REPOSITORIES: 'on', DEVFLOW_ALLOWED_INTERNAL_HOSTS: '127.0.0.0/8,::1,localhost',
      DEVFLOW_MIN_FREE_DISK_BYTES: '1',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
    };
    this.instances = [];
    this.n = 0;
  }

  /**
   * A `node control-plane/dist/main.js` child with the descriptor limit raised; resolves once it listens.
   * `spawnedAt` / `listeningAt` are performance.now() stamps; `stderrTail()` is what it printed last.
   */
  async start(port = 0, extra = {}) {
    const dataDir = join(this.dir, `cp-${this.n++}`);
    const spawnedAt = performance.now();
    const child = spawnNode([MAIN], {
      env: { ...process.env, ...this.env, PORT: String(port), DEVFLOW_DATA_DIR: dataDir, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    let err = '';
    child.stderr.on('data', (c) => (err = (err + String(c)).slice(-4000)));
    const stderrTail = () => err.trim().split('\n').slice(-15).join('\n');
    const m = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`control plane (pid ${child.pid}) did not listen within ${LISTEN_TIMEOUT_MS / 1000} s: ${out.slice(-500)} ${stderrTail()}`)), LISTEN_TIMEOUT_MS);
      child.stdout.on('data', (c) => {
        out += String(c);
        const hit = /listening on (http:\/\/\S+) \(instance (\S+)\)/.exec(out);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`control plane exited (${signal ?? code}) before listening: ${out.slice(-500)} ${stderrTail()}`));
      });
    });
    const instance = { child, url: m[1], id: m[2], port: Number(new URL(m[1]).port), pid: child.pid, spawnedAt, listeningAt: performance.now(), stderrTail };
    this.instances.push(instance);
    return instance;
  }

  /** Throws, with its last stderr lines, when the instance has exited or no longer listens. */
  async assertServing(instance) {
    const { child } = instance;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`control plane pid ${instance.pid} exited (${child.signalCode ?? child.exitCode}); its stderr:\n${instance.stderrTail()}`);
    }
    if (!(await listens(instance.port))) throw new Error(`control plane pid ${instance.pid} runs but nothing listens on port ${instance.port}; its stderr:\n${instance.stderrTail()}`);
  }

  async kill9(instance) {
    const { child } = instance;
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    this.instances = this.instances.filter((i) => i !== instance);
  }

  async sql(query, args = []) {
    const db = createClient({ url: this.env.DATABASE_URL, timeout: 5000 });
    try {
      return (await db.execute({ sql: query, args })).rows;
    } finally {
      db.close();
    }
  }

  async cleanup() {
    await Promise.all(this.instances.map((i) => this.kill9(i)));
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    // Agents of the run may still be exiting: retry while they let go of their files.
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

export async function login(url) {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' }, body: JSON.stringify(ADMIN) });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  const headers = { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0], 'content-type': 'application/json', 'x-devflow-csrf': '1' };
  return async (method, target, path, body) => {
    const r = await fetch(`${target}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await r.text();
    const json = text && r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
    return json;
  };
}

/** A real agent process enrolled with `urls` (tried in turn). */
export async function startAgent(call, urls, name, dir) {
  const { id, enrollToken } = await call('POST', urls[0], '/api/servers', { name });
  const dataDir = join(dir, `agent-${name}`);
  await promisify(execFile)(process.execPath, [AGENT, 'enroll', ...urls.flatMap((u) => ['--url', u]), '--token', enrollToken, '--name', name, '--data-dir', dataDir]);
  const child = spawn(process.execPath, [AGENT, 'run', '--data-dir', dataDir], { stdio: 'ignore', env: { ...process.env, DEVFLOW_AGENT_LOG_LEVEL: 'warn' } });
  children.add(child);
  child.once('exit', () => children.delete(child));
  for (;;) {
    const { server } = await call('GET', urls[0], `/api/servers/${id}`);
    if (server.status === 'online') return { id, child };
    await sleep(50);
  }
}

const git = (cwd, ...args) =>
  promisify(execFile)('git', args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@x' } });

/** A `custom` pipeline whose build prints `lines` lines, one per `delayMs`. */
export async function counterRepo(dir, lines, delayMs) {
  await git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'count.js'), `let i = 0; const t = setInterval(() => { console.log('line ' + ++i); if (i >= ${lines}) clearInterval(t); }, ${delayMs});\n`);
  writeFileSync(join(dir, 'devflow.yml'), 'preset: custom\nbuild: { argv: ["node", "count.js"] }\nhealthcheck: false\nkeepReleases: 2\n');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'bench');
}

/**
 * Enrol `count` simulated agents that share one Ed25519 key, directly in the database (10,000
 * enrolments through the API would measure the API). Returns the private key file the simulator
 * (`_scale-sim.mjs`) signs its JWTs with.
 */
export async function seedSimulatedAgents(cluster, count) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const keyFile = join(cluster.dir, 'sim.pem');
  writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  const now = Date.now();
  const values = [];
  for (let i = 0; i < count; i++) values.push(`('srv_sim_${String(i).padStart(5, '0')}', 'sim-${i}', '${JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x })}', ${now}, ${now}, ${now})`);
  for (let i = 0; i < values.length; i += 1000) {
    await cluster.sql(`INSERT INTO servers (id, name, public_key, enrolled_at, created_at, updated_at) VALUES ${values.slice(i, i + 1000).join(',')}`);
  }
  return keyFile;
}

/**
 * Idle agents on one instance (issue 7): `agents` simulated agents over `simulators` processes
 * connect from cold, then the instance is killed with -9 and a new one started on the same port.
 * "Back after restart" counts from the new process's spawn (its start-up included) and, for
 * comparison, from the moment it listens. Fails, with the instance's stderr, if it exits or stops
 * listening while agents are still missing. `prof`: a directory for CPU profiles of the first instance (cold
 * connect + idle) and of the restarted one (start-up + reconnect).
 * Returns rows { what, value, target }.
 */
export async function idleAgents({ agents, simulators = 1, prof }) {
  const rows = [];
  const row = (what, value, target = '') => rows.push({ what, value, target });
  const cluster = new BenchCluster('idle');
  const sims = [];
  try {
    const profiled = prof ? { NODE_OPTIONS: `--require ${join(root, 'bench/lib/cpu-profile.cjs')}`, PROF_OUT: prof } : {};
    let cp = await cluster.start(0, profiled);
    const keyFile = await seedSimulatedAgents(cluster, agents);
    await sleep(2000);
    const before = rssKb(cp.pid);
    const cpu0 = cpuMs(cp.pid);
    const welcomed = new Array(simulators).fill(0);
    const dials = new Array(simulators).fill(0);
    const per = Math.ceil(agents / simulators);
    for (let s = 0; s < simulators; s++) {
      const child = spawnNode([join(root, 'bench/_scale-sim.mjs'), cp.url, keyFile, String(s * per), String(Math.min(per, agents - s * per))], { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.on('data', (c) => {
        const m = /welcomed=(\d+) dials=(\d+)/.exec(String(c).trim().split('\n').at(-1) ?? '');
        if (m) [welcomed[s], dials[s]] = [Number(m[1]), Number(m[2])];
      });
      sims.push(child);
    }
    const connected = () => welcomed.reduce((x, y) => x + y, 0);
    const dialled = () => dials.reduce((x, y) => x + y, 0);
    const simCpu = () => sims.reduce((sum, s) => sum + cpuMs(s.pid), 0);
    const waitAll = async (what, from, limitMs = 300_000) => {
      let checked = performance.now();
      while (connected() < agents) {
        const now = performance.now();
        if (now - from > limitMs) throw new Error(`${what}: only ${connected()} of ${agents} after ${(limitMs / 1000).toFixed(0)} s`);
        if (now - checked > 1000) {
          await cluster.assertServing(cp);
          checked = now;
        }
        await sleep(50);
      }
      return (performance.now() - from) / 1000;
    };
    const t0 = performance.now();
    const connectS = await waitAll('cold connect', t0);
    const cpuPerConnect = (cpuMs(cp.pid) - cpu0) / agents;
    const simPerConnect = simCpu() / agents;
    await sleep(8000); // a heartbeat round or two
    const after = rssKb(cp.pid);
    row(`idle agents on one instance: ${agents} connected from cold`, `${connectS.toFixed(1)} s (${(agents / connectS).toFixed(0)}/s)`);
    row('control-plane CPU per connect (simulator CPU per connect)', `${cpuPerConnect.toFixed(2)} ms (${simPerConnect.toFixed(2)} ms)`);
    row('RSS per idle agent connection', `${((after - before) / agents).toFixed(1)} KB (${(before / 1024).toFixed(0)} -> ${(after / 1024).toFixed(0)} MB)`, '<= 16 KB');
    const firstLimit = fdLimit(cp.pid);
    if (prof) {
      cp.child.kill('SIGUSR2');
      await sleep(2000);
    }

    const port = cp.port;
    await cluster.kill9(cp);
    while (connected() > 0) await sleep(50); // the simulators saw every connection drop
    const simCpu1 = simCpu();
    const dials1 = dialled();
    cp = await cluster.start(port, profiled);
    const cpuStartup = cpuMs(cp.pid);
    row('ulimit -n of the first / restarted instance', `${firstLimit} / ${fdLimit(cp.pid)}`);
    const fromSpawn = await waitAll('reconnect after restart', cp.spawnedAt);
    const fromListening = fromSpawn - (cp.listeningAt - cp.spawnedAt) / 1000;
    row(
      `all ${agents} agents back after kill -9 + restart, from spawn (from listening; start-up)`,
      `${fromSpawn.toFixed(1)} s (${fromListening.toFixed(1)} s; ${((cp.listeningAt - cp.spawnedAt) / 1000).toFixed(1)} s, CPU ${cpuStartup.toFixed(0)} ms)`,
      '<= 15 s',
    );
    row('control-plane CPU per reconnect after listening (simulator)', `${((cpuMs(cp.pid) - cpuStartup) / agents).toFixed(2)} ms (${((simCpu() - simCpu1) / agents).toFixed(2)} ms)`);
    row('dials per agent until all were back (refused ones included)', ((dialled() - dials1) / agents).toFixed(1));
    if (prof) {
      cp.child.kill('SIGUSR2');
      await sleep(2000);
    }
  } finally {
    for (const s of sims) s.kill('SIGKILL');
    await cluster.cleanup();
  }
  return rows;
}

export const printRows = (rows) => {
  const width = Math.max(...rows.map((r) => r.what.length));
  console.log(`\n${'measure'.padEnd(width)} | value${' '.repeat(30)} | target`);
  for (const r of rows) console.log(`${r.what.padEnd(width)} | ${String(r.value).padEnd(35)} | ${r.target}`);
};
