import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, relative } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { startEngineControlPlane, type RunningControlPlane } from '../helpers/control-plane.js';
import { prepareAppDir, startAgent, type TestAgent } from '../helpers/agent.js';
import { Api } from '../helpers/api.js';
import { ExampleRepo } from '../helpers/example-repo.js';
import { freePort } from '../helpers/net.js';
import { tempDir } from '../helpers/temp.js';

/**
 * The state the bad-input suite runs against (see bad-input.test.ts for the case format): one
 * real control plane with its data dir inside `root`, one real agent, a user of every role, the
 * project `shop` (environment `production` auto-deploys `main` of a real git repo) with a
 * webhook secret, and a local HTTP receiver that counts every request reaching it (the SSRF target).
 */
export const ROLES = ['admin', 'maintainer', 'deployer', 'approver', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
export type Who = Role | 'anonymous';

export interface World {
  cp: RunningControlPlane;
  /** An API client per role (cookie session + CSRF header); `anonymous` has neither. */
  as: Record<Who, Api>;
  /** Session headers per role, for raw requests. */
  headers: Record<Who, Record<string, string>>;
  repo: ExampleRepo;
  agent: TestAgent;
  project: { id: string; name: 'shop' };
  env: { id: string; name: 'production'; port: number };
  webhook: { url: string; secret: string };
  /** Counts requests that reach it; `url` is http://127.0.0.1:<port>. */
  receiver: { url: string; hits: () => number };
  /** Holds the data dir and nothing the control plane may write to. */
  root: string;
  db: Client;
}

/** What "nothing changed" compares before and after each case. */
export type Snapshot = Record<string, number | string>;

const COUNTED_TABLES = [
  'users', 'sessions', 'api_tokens', 'servers', 'enroll_tokens', 'projects', 'environments', 'environment_variables',
  'deployments', 'steps', 'notifications', 'webhook_deliveries', 'project_webhooks', 'environment_schedules',
  'freeze_windows',
] as const;
export type SnapshotKey = (typeof COUNTED_TABLES)[number] | 'queued_deployments' | 'files_outside_data_dir' | 'receiver_hits';

export async function snapshot(w: World): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const table of COUNTED_TABLES) out[table] = Number((await w.db.execute(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
  out.queued_deployments = Number((await w.db.execute("SELECT COUNT(*) AS n FROM deployments WHERE status IN ('queued', 'pending_approval', 'running')")).rows[0]?.n ?? 0);
  out.files_outside_data_dir = filesOutside(w.root, w.cp.dataDir).join(',');
  out.receiver_hits = w.receiver.hits();
  return out;
}

function filesOutside(root: string, dataDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (path === dataDir) continue;
      found.push(relative(root, path));
      if (statSync(path).isDirectory()) walk(path);
    }
  };
  walk(root);
  return found.sort();
}

async function startReceiver(): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"secret":"receiver-body-must-not-leak"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { server, url: `http://127.0.0.1:${port}`, hits: () => hits };
}

export async function buildWorld(): Promise<World & { close(): Promise<void> }> {
  const root = tempDir('devflow-bad-input-');
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  const repo = new ExampleRepo();
  // No internal host allowed (the test default allows loopback): the SSRF cases aim at the local receiver.
  const cp = await startEngineControlPlane({ DEVFLOW_ALLOWED_INTERNAL_HOSTS: '' }, dataDir);
  const admin = await Api.login(cp.url);
  const agent = await startAgent(admin, 'bad-input-1', '127.0.0.1');
  prepareAppDir(agent, 'shop-production');
  const port = await freePort();
  const project = await admin.call<{ project: { id: string } }>('POST', '/api/projects', { name: 'shop', repositoryUrl: repo.dir, preset: 'node' });
  if (project.status !== 201) throw new Error(`create project: ${project.status} ${JSON.stringify(project.body)}`);
  const env = await admin.call<{ environment: { id: string } }>('POST', '/api/projects/shop/environments', { name: 'production', branch: 'main', port, serverIds: [agent.id], autoDeploy: true });
  if (env.status !== 201) throw new Error(`create environment: ${env.status} ${JSON.stringify(env.body)}`);
  const hook = await admin.call<{ url: string; secret: string }>('POST', '/api/projects/shop/webhook');

  const headers = { anonymous: { 'content-type': 'application/json' } } as unknown as Record<Who, Record<string, string>>;
  const as = { anonymous: new Api(cp.url, headers.anonymous) } as Record<Who, Api>;
  for (const role of ROLES) {
    const email = `${role}@bad-input.local`;
    const password = `${role} password for the bad-input suite`;
    if (role !== 'admin') {
      const created = await admin.call('POST', '/api/users', { email, password, role });
      if (created.status !== 201) throw new Error(`create ${role}: ${created.status} ${JSON.stringify(created.body)}`);
    }
    const res = await fetch(`${cp.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' },
      body: JSON.stringify(role === 'admin' ? { email: 'admin@e2e.local', password: 'e2e admin password' } : { email, password }),
    });
    if (res.status !== 200) throw new Error(`login ${role}: ${res.status} ${await res.text()}`);
    headers[role] = { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '', 'content-type': 'application/json', 'x-devflow-csrf': '1' };
    as[role] = new Api(cp.url, headers[role]);
  }
  const receiver = await startReceiver();
  const db = createClient({ url: `file:${join(dataDir, 'devflow.db')}` });
  return {
    cp, as, headers, repo, agent, root, db,
    project: { id: project.body.project.id, name: 'shop' },
    env: { id: env.body.environment.id, name: 'production', port },
    webhook: hook.body,
    receiver: { url: receiver.url, hits: receiver.hits },
    async close() {
      db.close();
      await new Promise((r) => receiver.server.close(r));
    },
  };
}
