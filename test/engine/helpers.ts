import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { addServer, adminSession, startControlPlaneProcess, type RunningControlPlane } from '../helpers/control-plane.js';
import { enrollAgent, runAgent } from '../helpers/agent.js';
import type { TestProcess } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

/** JSON API calls as the admin (cookie session + CSRF header). */
export class Api {
  constructor(
    readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  static async login(url: string): Promise<Api> {
    return new Api(url, await adminSession(url));
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${path}`, { method, headers: this.headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
  }

  /** The raw response (streams). */
  raw(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, { headers: { ...this.headers, ...headers } });
  }

  async text(path: string): Promise<{ status: number; text: string; headers: Headers }> {
    const res = await fetch(`${this.url}${path}`, { headers: this.headers });
    return { status: res.status, text: await res.text(), headers: res.headers };
  }
}

export interface DeploymentView {
  id: string;
  status: string;
  reason: string | null;
  kind: string;
  releaseId: string | null;
  position: number | null;
  rollbackOf: string | null;
  commit: { sha: string; message: string | null } | null;
  failure: { step: string; exitCode: number | null; lastLines: string[] } | null;
  targets: { serverId: string; status: string; steps: { stage: string; name: string; status: string; exitCode: number | null }[] }[];
}

export const FINAL = ['succeeded', 'failed', 'cancelled', 'rejected', 'skipped', 'timed_out'];

export async function deployment(api: Api, id: string): Promise<DeploymentView> {
  const res = await api.call<{ deployment: DeploymentView }>('GET', `/api/deployments/${id}`);
  if (res.status !== 200) throw new Error(`GET deployment ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.deployment;
}

export async function waitFinal(api: Api, id: string, timeoutMs = 60_000): Promise<DeploymentView> {
  return waitFor(`deployment ${id} to finish`, async () => {
    const d = await deployment(api, id);
    return FINAL.includes(d.status) ? d : undefined;
  }, timeoutMs, 100);
}

/** A free loopback port (bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' } }).trim();

/**
 * The example app as a real git repository: a dependency-free Node HTTP server that answers
 * `/` with its VERSION and `/up` with 200. Two agents share this host, so each binds its own
 * loopback address, read from `shared/host.txt` in its app directory (default 127.0.0.1).
 */
export class ExampleRepo {
  readonly dir = tempDir('devflow-example-');

  constructor() {
    git(this.dir, 'init', '-q', '-b', 'main');
    this.write({
      'package.json': JSON.stringify({ name: 'hello', version: '1.0.0', private: true, scripts: { start: 'node server.js' } }, null, 2),
      'server.js': [
        "const http = require('node:http');",
        "const fs = require('node:fs');",
        "let host = '127.0.0.1';",
        "try { host = fs.readFileSync('../../shared/host.txt', 'utf8').trim() || host; } catch {}",
        "const version = fs.readFileSync('VERSION', 'utf8').trim();",
        "http.createServer((req, res) => {",
        "  if (req.url === '/up') { res.end('ok'); return; }",
        "  res.end(`version=${version} greeting=${process.env.GREETING ?? ''}`);",
        "}).listen(Number(process.env.PORT), host, () => console.log(`listening on ${host}:${process.env.PORT}`));",
      ].join('\n'),
      'migrate.js': "require('node:fs').appendFileSync('../../shared/migrations.log', require('node:fs').readFileSync('VERSION', 'utf8'));",
      VERSION: 'v1\n',
      'devflow.yml': [
        'install: { argv: ["node", "-e", "require(\'fs\').writeFileSync(\'installed.txt\', \'yes\')"] }',
        'migrate: { argv: ["node", "migrate.js"] }',
        'cache: { argv: ["node", "-e", "console.log(\'cache cleared\')"] }',
        'start: { argv: ["node", "server.js"] }',
        'healthcheck: { path: /up, timeout: 15 }',
        'keepReleases: 5',
      ].join('\n'),
    });
    this.commit('v1: first release');
  }

  write(files: Record<string, string>): void {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(this.dir, name, '..'), { recursive: true });
      writeFileSync(join(this.dir, name), content);
    }
  }

  commit(message: string): string {
    git(this.dir, 'add', '-A');
    git(this.dir, 'commit', '-q', '-m', message);
    return this.head();
  }

  head(ref = 'HEAD'): string {
    return git(this.dir, 'rev-parse', ref);
  }

  branch(name: string): void {
    git(this.dir, 'checkout', '-q', '-B', name);
  }
}

export interface TestAgent {
  id: string;
  name: string;
  dataDir: string;
  /** Loopback address its copy of the app binds. */
  host: string;
  proc: TestProcess;
}

/** Add a server through the API, enrol a real agent process for it and wait until it is online. */
export async function startAgent(api: Api, name: string, host: string): Promise<TestAgent> {
  const { id, enrollToken } = await addServer(api.url, name);
  const dataDir = await enrollAgent(api.url, enrollToken, name);
  const agent: TestAgent = { id, name, dataDir, host, proc: runAgent(dataDir) };
  await waitFor(`agent ${name} online`, async () => (await api.call<{ server: { status: string } }>('GET', `/api/servers/${id}`)).body.server?.status === 'online');
  return agent;
}

/** Where the agent keeps the app; `shared/host.txt` tells the example app which address to bind. */
export function prepareAppDir(agent: TestAgent, app: string): string {
  const shared = join(agent.dataDir, 'apps', app, 'shared');
  mkdirSync(shared, { recursive: true });
  writeFileSync(join(shared, 'host.txt'), agent.host);
  return join(agent.dataDir, 'apps', app);
}

export async function httpGet(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text() };
}

export async function startEngineControlPlane(env: Record<string, string> = {}, dataDir?: string): Promise<RunningControlPlane> {
  return startControlPlaneProcess({ ...(dataDir ? { dataDir } : {}), env: { DEVFLOW_HEARTBEAT_INTERVAL_MS: '500', DEVFLOW_MIN_FREE_DISK_BYTES: '1', ...env } });
}
