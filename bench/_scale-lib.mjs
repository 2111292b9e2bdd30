// Shared pieces of bench/scale.mjs (run.mjs skips `_` files): control-plane processes of one
// cluster (shared Redis prefix, one database file, one secret key), admin API calls, a real agent.
import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { Redis } from 'ioredis';
import { AGENT, root, sleep } from './lib/common.mjs';

export { pct, root, sleep } from './lib/common.mjs';

export const MAIN = join(root, 'control-plane/dist/main.js');
export const REDIS_URL = process.env.DEVFLOW_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN = { email: 'bench@devflow.local', password: 'bench admin password' };
export const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

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
      DEVFLOW_QUICKSTART: 'off',
      DEVFLOW_MIN_FREE_DISK_BYTES: '1',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
    };
    this.instances = [];
    this.n = 0;
  }

  /** A `node control-plane/dist/main.js` child with the descriptor limit raised; resolves once it listens. */
  async start(port = 0, extra = {}) {
    const dataDir = join(this.dir, `cp-${this.n++}`);
    const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', process.execPath, MAIN], {
      env: { ...process.env, ...this.env, PORT: String(port), DEVFLOW_DATA_DIR: dataDir, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const lines = [];
    child.stderr.on('data', (c) => lines.push(String(c)));
    const m = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += String(c);
        const hit = /listening on (http:\/\/\S+) \(instance (\S+)\)/.exec(out);
        if (hit) resolve(hit);
      });
      child.once('exit', (code) => reject(new Error(`control plane exited ${code}: ${out.slice(-500)} ${lines.join('').slice(-1000)}`)));
    });
    const instance = { child, url: m[1], id: m[2], port: Number(new URL(m[1]).port), pid: child.pid };
    this.instances.push(instance);
    return instance;
  }

  async kill9(instance) {
    const gone = new Promise((r) => instance.child.once('exit', r));
    instance.child.kill('SIGKILL');
    await gone;
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
    for (const i of this.instances) i.child.kill('SIGKILL');
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
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
