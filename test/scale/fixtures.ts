import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { addServer, adminSession } from '../helpers/control-plane.js';
import { runAgent } from '../helpers/agent.js';
import { spawnNode, type TestProcess } from '../helpers/processes.js';
import { AGENT_BIN, requireBuilt } from '../helpers/repo.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import type { Cluster, Instance } from './cluster.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' } }).trim();

/**
 * A repository whose `custom` pipeline has one build step printing `line 1` .. `line N`, one
 * every `delayMs`: long enough to kill an instance in the middle, countable afterwards.
 */
export function counterRepo(lines: number, delayMs: number): { dir: string; commit(lines: number, delayMs: number): string } {
  const dir = tempDir('devflow-counter-');
  git(dir, 'init', '-q', '-b', 'main');
  const write = (n: number, d: number) => {
    writeFileSync(join(dir, 'count.json'), JSON.stringify({ lines: n, delayMs: d }));
    writeFileSync(
      join(dir, 'count.js'),
      "const { lines, delayMs } = require('./count.json');\nlet i = 0;\nconst t = setInterval(() => { console.log(`line ${++i}`); if (i >= lines) clearInterval(t); }, delayMs);\n",
    );
    writeFileSync(join(dir, 'devflow.yml'), ['preset: custom', 'build: { argv: ["node", "count.js"] }', 'healthcheck: false', 'keepReleases: 3'].join('\n'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', `count ${n} lines every ${d} ms`);
    return git(dir, 'rev-parse', 'HEAD');
  };
  write(lines, delayMs);
  return { dir, commit: write };
}

/** JSON calls as the admin; the session lives in the shared database, so it works on every instance. */
export async function api(url: string) {
  const headers = await adminSession(url);
  return {
    headers,
    async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, on = url): Promise<{ status: number; body: T }> {
      const res = await fetch(`${on}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await res.text();
      return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
    },
  };
}
export type Api = Awaited<ReturnType<typeof api>>;

export interface ScaleAgent {
  id: string;
  name: string;
  dataDir: string;
  proc: TestProcess;
  urls(): string[];
}

/** Add a server through `urls[0]`, enrol a real agent with every URL (`--url` repeated), run it, wait until online. */
export async function startScaleAgent(a: Api, urls: string[], name: string): Promise<ScaleAgent> {
  requireBuilt(AGENT_BIN);
  const { id, enrollToken } = await addServer(urls[0] ?? '', name);
  const dataDir = tempDir('devflow-agent-');
  const enroll = spawnNode('agent-enroll', AGENT_BIN, ['enroll', ...urls.flatMap((u) => ['--url', u]), '--token', enrollToken, '--name', name, '--data-dir', dataDir]);
  await enroll.exited;
  if (enroll.exit?.code !== 0) throw new Error(`agent enroll failed (${JSON.stringify(enroll.exit)}):\n${enroll.tail()}`);
  const proc = runAgent(dataDir);
  await waitFor(`agent ${name} online`, async () => (await a.call<{ server: { status: string } }>('GET', `/api/servers/${id}`)).body.server?.status === 'online');
  return { id, name, dataDir, proc, urls: () => (JSON.parse(readFileSync(join(dataDir, 'agent.json'), 'utf8')) as { controlPlaneUrls: string[] }).controlPlaneUrls };
}

/** Read the shared database directly (what every instance sees). */
export async function sql(cluster: Cluster, query: string, args: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const db = createClient({ url: `file:${cluster.databaseFile}` });
  try {
    return (await db.execute({ sql: query, args })).rows as unknown as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** How many lines of a deployment's build step the control plane has stored (acknowledged). */
export async function storedBuildLines(cluster: Cluster, deploymentId: string): Promise<number> {
  const [row] = await sql(cluster, "SELECT COALESCE(s.log_acked_seq, 0) AS n FROM deployment_steps ds JOIN steps s ON s.id = ds.step_id WHERE ds.deployment_id = ? AND ds.stage = 'build'", [deploymentId]);
  return Number(row?.n ?? 0);
}

/** The instance holding the agent's live connection: its connection id is in `servers`, and that instance logged it. */
export async function connectedTo(cluster: Cluster, agentId: string): Promise<Instance | undefined> {
  const [row] = await sql(cluster, "SELECT connection_id FROM servers WHERE id = ? AND status = 'online'", [agentId]);
  const conn = row?.connection_id ? String(row.connection_id) : undefined;
  if (!conn) return undefined;
  return [...cluster.instances.values()].find((i) => !i.process.exit && i.logged(new RegExp(`"msg":"agent connected".*"connectionId":"${conn}"|"connectionId":"${conn}".*"msg":"agent connected"`)));
}

/** The instance id orchestrating the deployment; undefined until one claimed it (so `waitFor` keeps waiting). */
export async function claimedBy(cluster: Cluster, deploymentId: string): Promise<string | undefined> {
  const [row] = await sql(cluster, 'SELECT claimed_by FROM deployments WHERE id = ?', [deploymentId]);
  return row?.claimed_by ? String(row.claimed_by) : undefined;
}

/** Create the `counter` project with one environment on the given servers. */
export async function counterProject(a: Api, repoDir: string, serverIds: string[], name = 'counter'): Promise<string> {
  const p = await a.call('POST', '/api/projects', { name, repositoryUrl: repoDir, preset: 'custom', defaultBranch: 'main' });
  if (p.status !== 201) throw new Error(`create project: ${p.status} ${JSON.stringify(p.body)}`);
  const e = await a.call('POST', `/api/projects/${name}/environments`, { name: 'production', branch: 'main', serverIds });
  if (e.status !== 201) throw new Error(`create environment: ${e.status} ${JSON.stringify(e.body)}`);
  return `/api/projects/${name}/environments/production`;
}

export interface LogLine {
  server: string;
  step: string;
  stage: string;
  seq: number;
  text: string;
}

/** Every build line of one server, in the order stored (through the API of `on`). */
export async function buildLines(a: Api, on: string, deploymentId: string): Promise<LogLine[]> {
  const res = await a.call<{ lines: LogLine[] }>('GET', `/api/deployments/${deploymentId}/logs?format=json&limit=10000`, undefined, on);
  if (res.status !== 200) throw new Error(`logs: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.lines.filter((l) => l.stage === 'build');
}

/** `line 1` .. `line n`, each exactly once and in order. */
export function expectCounted(lines: readonly { text: string }[], n: number): void {
  const texts = lines.map((l) => l.text);
  const expected = Array.from({ length: n }, (_, i) => `line ${i + 1}`);
  if (JSON.stringify(texts) !== JSON.stringify(expected)) {
    const missing = expected.filter((t) => !texts.includes(t));
    const dupes = texts.filter((t, i) => texts.indexOf(t) !== i);
    throw new Error(`expected line 1..${n} once each: got ${texts.length} lines, missing ${JSON.stringify(missing.slice(0, 10))}, duplicated ${JSON.stringify(dupes.slice(0, 10))}`);
  }
}
