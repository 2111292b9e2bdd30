import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineControlPlane, type RunningControlPlane } from '../helpers/control-plane.js';
import { stopAll } from '../helpers/processes.js';
import { requireBuilt } from '../helpers/repo.js';
import { CLI, runDevflow } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/temp.js';
import { startAgent, type TestAgent } from '../helpers/agent.js';
import { Api } from '../helpers/api.js';
import { ExampleRepo } from '../helpers/example-repo.js';
import { freePort, httpGet } from '../helpers/net.js';
import { waitFor } from '../helpers/wait.js';

let env: Record<string, string>;
const devflow = (...args: string[]) => runDevflow(env, ...args);

let cp: RunningControlPlane;
let api: Api;
let agent: TestAgent;
let repo: ExampleRepo;
let port: number;

beforeAll(async () => {
  requireBuilt(CLI);
  cp = await startEngineControlPlane();
  api = await Api.login(cp.url);
  agent = await startAgent(api, 'web1', '127.0.0.1');
  repo = new ExampleRepo();
  port = await freePort();
  const created = await api.call<{ token: string }>('POST', '/api/tokens', { name: 'cli e2e' });
  env = { DEVFLOW_URL: cp.url, DEVFLOW_TOKEN: created.body.token, HOME: cp.dataDir };
});

afterAll(async () => {
  // App processes run detached from the agent (they survive agent restarts): stop them by their slot records.
  const slots = join(agent?.dataDir ?? '', 'apps', 'shop-production', 'slots');
  if (agent && existsSync(slots)) {
    for (const file of readdirSync(slots).filter((f) => f.endsWith('.json'))) {
      const { pid } = JSON.parse(readFileSync(join(slots, file), 'utf8')) as { pid?: number };
      if (pid) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }
  await stopAll();
  removeTempDirs();
});

describe('devflow CLI against a real control plane and agent', () => {
  it('creates the project and environment', async () => {
    const project = await devflow('projects', 'create', 'shop', '--repo', repo.dir, '--preset', 'node');
    expect(project.code, project.stderr).toBe(0);
    const envCreated = await devflow('envs', 'shop', 'create', 'production', '--port', String(port), '--server', 'web1', '--var', 'GREETING=hello-from-cli');
    expect(envCreated.code, envCreated.stderr).toBe(0);
  });

  it('deploy --follow streams the live log and exits 0 when the deployment succeeded', async () => {
    const run = await devflow('deploy', 'shop', '--env', 'production', '--follow');
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^web1 .* \| cache cleared$/m);
    expect(run.stderr).toMatch(/Deployment \S+ succeeded/);
    expect((await httpGet(`http://127.0.0.1:${port}/`)).text).toBe('version=v1 greeting=hello-from-cli');
  });

  it('exits 1 when the deployment fails, naming the step and exit code; the live release stays', async () => {
    repo.write({ VERSION: 'v2\n', 'migrate.js': 'process.exit(3)' });
    repo.commit('v2: broken migration');
    const run = await devflow('deploy', 'shop', '--env', 'production', '--follow');
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(run.stderr).toMatch(/devflow deploy: deployment \S+ failed.* at web1 migrate\/.*\(exit 3\)/);
    expect((await httpGet(`http://127.0.0.1:${port}/`)).text).toBe('version=v1 greeting=hello-from-cli');
  });

  it('history, logs and --json reflect what happened', async () => {
    const history = await devflow('history', 'shop', '--json');
    const items = (JSON.parse(history.stdout) as { items: { id: string; status: string }[] }).items;
    expect(items.map((d) => d.status)).toEqual(['failed', 'succeeded']);
    const failed = await devflow('history', 'shop', '--status', 'failed');
    expect(failed.stdout).toMatch(/failed\s+main\s+[0-9a-f]{8}\s+v2: broken migration/);
    const logs = await devflow('logs', items[1]!.id);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('cache cleared');
    const follow = await devflow('logs', items[0]!.id, '--follow', '--json');
    expect(follow.code).toBe(1);
    expect(follow.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { event: string }).event)).toContain('end');
  });

  it('a fixed commit deploys (with --force: the previous deployment failed), then rollback --follow restores the previous release', async () => {
    repo.write({ VERSION: 'v3\n', 'migrate.js': '' });
    repo.commit('v3: fixed');
    const refused = await devflow('deploy', 'shop', '--env', 'production');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/the previous deployment of "production" \(dep_\S+\) failed.*deploy with force/);
    expect((await devflow('deploy', 'shop', '--env', 'production', '--force', '--follow')).code).toBe(0);
    expect((await httpGet(`http://127.0.0.1:${port}/`)).text).toBe('version=v3 greeting=hello-from-cli');
    const rollback = await devflow('rollback', 'shop', '--env', 'production', '--follow');
    expect(rollback.code, `${rollback.stdout}\n${rollback.stderr}`).toBe(0);
    expect((await httpGet(`http://127.0.0.1:${port}/`)).text).toBe('version=v1 greeting=hello-from-cli');
  });

  it('Ctrl-C on --follow leaves the deployment running; cancel of it says it is stopping (not "running"); it ends cancelled, the live release stays', async () => {
    repo.write({ VERSION: 'v4\n', 'migrate.js': 'setTimeout(() => {}, 120000)' });
    repo.commit('v4: migration that hangs');
    // Ctrl-C while following stops the watching only, and says so.
    const following = spawn(process.execPath, [CLI, 'deploy', 'shop', '--env', 'production', '--follow'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    following.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => following.on('exit', (code) => resolve(code)));
    const id = await waitFor('the deployment to run', () => /--- (\S+): running/.exec(stderr)?.[1]);
    following.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain(`Stopped following ${id}; the deployment goes on.`);
    expect((await api.call<{ deployment: { status: string } }>('GET', `/api/deployments/${id}`)).body.deployment.status).toBe('running');
    const cancel = await devflow('cancel', id);
    expect([cancel.code, cancel.stdout]).toEqual([0, `Deployment ${id}: stopping (cancel requested; \`devflow logs ${id} --follow\` shows the end)\n`]);
    const end = await devflow('logs', id, '--follow');
    expect([end.code, end.stderr]).toEqual([1, expect.stringContaining(`deployment ${id} cancelled`)]);
    expect((await httpGet(`http://127.0.0.1:${port}/`)).text).toBe('version=v1 greeting=hello-from-cli');
  });
});
