import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Load } from '../../agent/test-fixtures/load-process.js';
import { runAgent, startAgent, type TestAgent } from '../helpers/agent.js';
import { Api, waitFinal, type DeploymentView } from '../helpers/api.js';
import { startEngineControlPlane, type RunningControlPlane } from '../helpers/control-plane.js';
import { freePort } from '../helpers/net.js';
import { stopAll } from '../helpers/processes.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const APP_SOURCE = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'app.cjs');
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' } }).trim();

export const PROJECT = 'zd';
export const APP = `${PROJECT}-production`;
const BASE = `/api/projects/${PROJECT}/environments/production`;

/** devflow.yml of the test app: blue-green, fast health checks, a drain longer than the 5 s request. */
export function devflowYml(extra: string[] = []): string {
  return [
    'preset: custom',
    'strategy: blue-green',
    'start: { argv: [node, server.js] }',
    'healthcheck: { path: /up, interval: 0.05, timeout: 5 }',
    'keepReleases: 3',
    ...extra,
  ].join('\n');
}

/**
 * One server running the whole blue-green path for real: a control plane process, an enrolled
 * agent process (which starts the traffic proxy and the app slots as their own processes), and a
 * git repository whose commits are numbered versions of fixtures/app.cjs.
 */
export class Site {
  readonly repo = tempDir('devflow-zd-repo-');
  cp!: RunningControlPlane;
  api!: Api;
  agent!: TestAgent;
  port!: number;
  private version = 0;

  /**
   * `nodeDefaults`: the app as a plain node project (package.json with a start script, no
   * devflow.yml) in an environment created with nothing but a port: every setting is DevFlow's default.
   */
  static async start(options: { drainTimeoutS?: number; extraYml?: string[]; nodeDefaults?: boolean } = {}): Promise<Site> {
    const site = new Site();
    git(site.repo, 'init', '-q', '-b', 'main');
    copyFileSync(APP_SOURCE, join(site.repo, 'server.js'));
    if (options.nodeDefaults) writeFileSync(join(site.repo, 'package.json'), JSON.stringify({ name: 'zd-app', private: true, scripts: { start: 'node server.js' } }));
    else writeFileSync(join(site.repo, 'devflow.yml'), devflowYml([`blueGreen: { drainTimeout: ${options.drainTimeoutS ?? 15} }`, ...(options.extraYml ?? [])]));
    site.cp = await startEngineControlPlane({ DEVFLOW_AGENT_GRACE_S: '30' });
    site.api = await Api.login(site.cp.url);
    site.agent = await startAgent(site.api, 'web-1', '127.0.0.1');
    const settings = options.nodeDefaults
      ? { port: (site.port = await freePort()) }
      : { port: (site.port = await freePort()), bluePort: await freePort(), greenPort: await freePort(), strategy: 'blue-green' };
    const project = await site.api.call('POST', '/api/projects', { name: PROJECT, repositoryUrl: site.repo, preset: options.nodeDefaults ? 'node' : 'custom', defaultBranch: 'main' });
    if (project.status !== 201) throw new Error(`create project: ${JSON.stringify(project.body)}`);
    const env = await site.api.call('POST', `/api/projects/${PROJECT}/environments`, { name: 'production', ...settings, serverIds: [site.agent.id] });
    if (env.status !== 201) throw new Error(`create environment: ${JSON.stringify(env.body)}`);
    // The app loads ws from this repository (it has no node_modules of its own); npm (node preset) stays offline.
    const npmOffline = options.nodeDefaults ? { npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } : {};
    await site.api.call('PUT', `${BASE}/variables`, { variables: { WS_MODULE: join(REPO_ROOT, 'node_modules', 'ws'), ...npmOffline } });
    return site;
  }

  async setEnvironment(settings: Record<string, unknown>): Promise<void> {
    const res = await this.api.call('PATCH', BASE, settings);
    if (res.status !== 200) throw new Error(`update environment: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Commits the next version (or a given one); `unhealthy` makes its /up answer 503, `failEvery` n its every n-th / a 500. */
  commit(options: { version?: number; unhealthy?: boolean; failEvery?: number; yml?: string } = {}): number {
    this.version = options.version ?? this.version + 1;
    writeFileSync(join(this.repo, 'VERSION'), `${this.version}\n`);
    const marker = join(this.repo, 'UNHEALTHY');
    if (options.unhealthy) writeFileSync(marker, 'yes\n');
    else rmSync(marker, { force: true });
    const failing = join(this.repo, 'FAIL_EVERY');
    if (options.failEvery) writeFileSync(failing, `${options.failEvery}\n`);
    else rmSync(failing, { force: true });
    if (options.yml) writeFileSync(join(this.repo, 'devflow.yml'), options.yml);
    git(this.repo, 'add', '-A');
    git(this.repo, 'commit', '-q', '-m', `version ${this.version}${options.unhealthy ? ' (unhealthy)' : ''}`);
    return this.version;
  }

  async deploy(): Promise<DeploymentView> {
    return waitFinal(this.api, (await this.requestDeploy()).id, 60_000);
  }

  /** Asks for a deployment of the branch head; returns at once (queued). */
  async requestDeploy(): Promise<DeploymentView> {
    const res = await this.api.call<{ deployment: DeploymentView }>('POST', `${BASE}/deployments`, {});
    if (res.status !== 201) throw new Error(`deploy: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.deployment;
  }

  /** Commits and deploys the next version; fails with the deployment's reason if it does not succeed. */
  async deployNext(): Promise<{ version: number; deployment: DeploymentView }> {
    const version = this.commit();
    const deployment = await this.deploy();
    if (deployment.status !== 'succeeded') throw new Error(`deploying version ${version} ${deployment.status}: ${deployment.reason}\n${await this.log(deployment.id)}`);
    return { version, deployment };
  }

  /** Requests a rollback; returns when it was requested (epoch ms) and the finished deployment. */
  async rollback(body: Record<string, unknown> = {}): Promise<{ requestedAt: number; deployment: DeploymentView }> {
    const requestedAt = Date.now();
    const res = await this.api.call<{ deployment: DeploymentView }>('POST', `${BASE}/rollback`, body);
    if (res.status !== 201) throw new Error(`rollback: ${res.status} ${JSON.stringify(res.body)}`);
    return { requestedAt, deployment: await waitFinal(this.api, res.body.deployment.id, 60_000) };
  }

  async log(deploymentId: string): Promise<string> {
    return (await this.api.text(`/api/deployments/${deploymentId}/logs`)).text;
  }

  /** The deployment's log lines with their timestamps (agent clock for step lines). */
  async logLines(deploymentId: string): Promise<{ text: string; ts: number; step: string | null }[]> {
    const res = await this.api.call<{ lines: { text: string; ts: number; step: string | null }[] }>('GET', `/api/deployments/${deploymentId}/logs?format=json&limit=10000`);
    return res.body.lines;
  }

  /** healthy -> switched of a blue-green deployment: from the health check's last line to the switch line. */
  async healthyToSwitchedMs(deploymentId: string): Promise<number> {
    const lines = await this.logLines(deploymentId);
    const healthy = lines.findLast((l) => l.text.startsWith('healthy: http://127.0.0.1:') && !l.text.includes(`:${this.port}/`));
    const switched = lines.find((l) => / (?:now sends traffic to|switched :\d+ from) /.test(l.text));
    if (!healthy || !switched) throw new Error(`deployment ${deploymentId} has no healthy/switched lines`);
    return switched.ts - healthy.ts;
  }

  async served(path = '/'): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, { signal: AbortSignal.timeout(5000) });
    return res.text();
  }

  /** Slot -> {pid, releaseId} as the agent recorded it (blue and green; `main` too when asked: the in-place app). */
  slots(options: { main?: boolean } = {}): Record<string, { pid: number; releaseId: string; port: number; startedAt: number }> {
    const dir = join(this.agent.dataDir, 'apps', APP, 'slots');
    if (!existsSync(dir)) return {};
    const out: Record<string, { pid: number; releaseId: string; port: number; startedAt: number }> = {};
    for (const f of readdirSync(dir).filter((n) => (options.main ? /^(blue|green|main)\.json$/ : /^(blue|green)\.json$/).test(n))) {
      out[f.replace('.json', '')] = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { pid: number; releaseId: string; port: number; startedAt: number };
    }
    return out;
  }

  /** Kill the agent process (SIGKILL) and start a new one on the same data dir; waits until it is online. */
  async restartAgent(): Promise<void> {
    this.agent.proc.kill('SIGKILL');
    await this.agent.proc.exited;
    this.agent.proc = runAgent(this.agent.dataDir);
    await waitFor('the restarted agent online', async () => (await this.api.call<{ server: { status: string } }>('GET', `/api/servers/${this.agent.id}`)).body.server?.status === 'online', 20_000);
  }

  /** Stops everything this site started, including the detached proxy and app slots. */
  async close(): Promise<void> {
    Load.killAll();
    await stopAll();
    const pids: number[] = [];
    const proxyPid = join(this.agent?.dataDir ?? '', 'proxy.pid');
    if (this.agent && existsSync(proxyPid)) pids.push(Number(readFileSync(proxyPid, 'utf8').trim()));
    if (this.agent) pids.push(...Object.values(this.slots({ main: true })).map((s) => s.pid));
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL'); // slots lead their own process group
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    removeTempDirs();
  }
}

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
