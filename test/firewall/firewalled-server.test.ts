import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addServer, adminSession, E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD, getServer } from '../helpers/control-plane.js';
import { bridgeToLoopback, createNetnsPair, firewallInbound, netnsAvailable, type NetnsPair } from '../helpers/netns.js';
import { TestProcess } from '../helpers/processes.js';
import { CONTROL_PLANE_MAIN, requireBuilt } from '../helpers/repo.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { Api, waitFinal, type DeploymentView } from '../helpers/api.js';
import { ExampleRepo } from '../helpers/example-repo.js';

/**
 * "Deploy behind firewalls without inbound SSH": the target server lives in its own network
 * namespace whose firewall drops every inbound connection. The agent is installed there with
 * the one-command install line, dials out to the control plane (in a second namespace), and
 * deployments and rollbacks work while nothing can connect in.
 */

const available = netnsAvailable() && hasNft();
if (!available) {
  const msg = 'firewall tests need root, `ip netns` and nftables (apt-get install -y nftables)';
  if (process.env.CI === 'true') throw new Error(`${msg} — required in CI`);
  console.warn(`\n!!! SKIPPING firewalled-server tests: ${msg}\n`);
}

function hasNft(): boolean {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const CP_PORT = 7780;
const APP_PORT = 3000;

let net: NetnsPair;
let cpProcess: TestProcess;
let bridge: { port: number; close(): void };
let api: string;
let headers: Record<string, string>;
let cpDataDir: string;
let repo: ExampleRepo;
let apiClient: Api;

function startControlPlaneInNs(): TestProcess {
  requireBuilt(CONTROL_PLANE_MAIN);
  const child = spawn('ip', net.inNs(net.cp, [process.execPath, CONTROL_PLANE_MAIN]).slice(1), {
    env: {
      ...process.env,
      PORT: String(CP_PORT),
      HOST: '0.0.0.0',
      DEVFLOW_PUBLIC_URL: `http://${net.cpAddress}:${CP_PORT}`,
      DEVFLOW_DATA_DIR: cpDataDir,
      DEVFLOW_ADMIN_EMAIL: E2E_ADMIN_EMAIL,
      DEVFLOW_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      DEVFLOW_HEARTBEAT_INTERVAL_MS: '500',
      DEVFLOW_QUICKSTART: 'off', DEVFLOW_ALLOW_LOCAL_REPOSITORIES: 'on', DEVFLOW_ALLOWED_INTERNAL_HOSTS: '127.0.0.0/8,::1,localhost',
      LOG_LEVEL: 'warn',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new TestProcess('control-plane(ns)', child);
}

/** Run a command inside a namespace; returns stdout (throws with stderr on failure). */
function inNs(ns: string, argv: string[], timeoutMs = 20_000): string {
  return execFileSync('ip', net.inNs(ns, argv).slice(1), { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Can a TCP connection be opened from namespace `from` to host:port? */
function canConnect(from: string, host: string, port: number): boolean {
  const script = `const s=require('node:net').connect(${port},${JSON.stringify(host)});s.setTimeout(1500);s.on('connect',()=>{console.log('connected');process.exit(0)});s.on('timeout',()=>{console.log('timeout');process.exit(2)});s.on('error',e=>{console.log(e.code);process.exit(3)})`;
  try {
    return inNs(from, [process.execPath, '-e', script]).includes('connected');
  } catch {
    return false;
  }
}

describe.skipIf(!available)('a server that accepts no inbound connections', () => {
  let serverId: string;

  beforeAll(async () => {
    net = createNetnsPair();
    firewallInbound(net.srv);
    cpDataDir = tempDir('devflow-fw-cp-');
    cpProcess = startControlPlaneInNs();
    await cpProcess.waitForLine(/DevFlow control plane listening on/);
    bridge = await bridgeToLoopback(net.cp, CP_PORT);
    api = `http://127.0.0.1:${bridge.port}`;
    headers = await adminSession(api);
    apiClient = await Api.login(api);
    repo = new ExampleRepo();
  }, 60_000);

  afterAll(() => {
    bridge?.close();
    net?.cleanup();
    removeTempDirs();
  });

  it('installs the agent with the one-command install line; it dials out and shows online', async () => {
    const server = await addServer(api, 'behind-firewall');
    serverId = server.id;
    expect(server.installCommand).toContain(`http://${net.cpAddress}:${CP_PORT}/install.sh`);
    const dataDir = join(tempDir('devflow-fw-agent-'), 'agent');
    const line = `${server.installCommand.replace('| sudo sh', '| sh')} --no-systemd --data-dir ${dataDir}`;
    const out = inNs(net.srv, ['sh', '-c', line], 60_000);
    expect(out).toContain('enrolled with');
    await waitFor('server online', async () => (await getServer(api, headers, serverId)).status === 'online', 20_000);
  });

  it('drops inbound connections to the server while its own outbound connection works', () => {
    // Something listens inside the server namespace...
    const listener = spawn('ip', net.inNs(net.srv, [process.execPath, '-e', `require('node:net').createServer(s=>s.end('hi')).listen(${APP_PORT + 1},'0.0.0.0',()=>console.log('up'))`]).slice(1), {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      execFileSync('sleep', ['0.5']);
      // ...reachable from inside (loopback is allowed)...
      expect(canConnect(net.srv, '127.0.0.1', APP_PORT + 1)).toBe(true);
      // ...but not from the control plane's side: the firewall drops it.
      expect(canConnect(net.cp, net.srvAddress, APP_PORT + 1)).toBe(false);
      // The server's own outbound connection to the control plane is allowed.
      expect(canConnect(net.srv, net.cpAddress, CP_PORT)).toBe(true);
    } finally {
      listener.kill('SIGKILL');
    }
  });

  const base = '/api/projects/fw/environments/production';
  /** What the app answers inside the server's namespace (loopback is allowed there). */
  const served = (): string => inNs(net.srv, [process.execPath, '-e', `fetch('http://127.0.0.1:${APP_PORT}/').then(r=>r.text()).then(t=>console.log(t),e=>{console.log('ERR '+e.message);process.exit(1)})`]).trim();

  let first: DeploymentView;

  it('deploys the example app to it from the control plane', async () => {
    expect((await apiClient.call('POST', '/api/projects', { name: 'fw', repositoryUrl: repo.dir, preset: 'node', defaultBranch: 'main' })).status).toBe(201);
    const env = await apiClient.call('POST', '/api/projects/fw/environments', { name: 'production', branch: 'main', port: APP_PORT, serverIds: [serverId] });
    expect(env.status, JSON.stringify(env.body)).toBe(201);
    const res = await apiClient.call<{ deployment: DeploymentView }>('POST', `${base}/deployments`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    first = await waitFinal(apiClient, res.body.deployment.id, 90_000);
    expect(first.status, first.reason ?? '').toBe('succeeded');
    expect(served()).toMatch(/^version=v1/);
    // The app is live on the server, yet nothing outside can connect to it.
    expect(canConnect(net.cp, net.srvAddress, APP_PORT)).toBe(false);
  });

  it('survives a control-plane kill -9 in the middle of a deployment: the agent reconnects from behind the firewall, the log is complete', async () => {
    // A build step that prints for a few seconds, so the control plane dies while it runs.
    repo.write({
      VERSION: 'v2\n',
      'devflow.yml': [
        'install: { argv: ["node", "-e", "0"] }',
        'build: { argv: ["node", "-e", "let i=0;const t=setInterval(()=>{console.log(\'tick \'+(++i));if(i===8)clearInterval(t)},400)"] }',
        'start: { argv: ["node", "server.js"] }',
        'healthcheck: { path: /up, timeout: 15 }',
      ].join('\n'),
    });
    repo.commit('v2: slow build');
    const res = await apiClient.call<{ deployment: DeploymentView }>('POST', `${base}/deployments`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.deployment.id;
    await waitFor('build printing', async () => (await apiClient.text(`/api/deployments/${id}/logs`)).text.includes('tick 2'), 60_000, 100);

    cpProcess.kill('SIGKILL');
    await cpProcess.exited;
    cpProcess = startControlPlaneInNs();
    await cpProcess.waitForLine(/DevFlow control plane listening on/);

    const done = await waitFinal(apiClient, id, 90_000);
    // It either completes or fails with a stated reason; it never hangs or fails silently.
    if (done.status !== 'succeeded') expect(done.reason ?? '').not.toBe('');
    const log = (await apiClient.text(`/api/deployments/${id}/logs`)).text;
    for (let i = 1; i <= 8; i++) expect(log.match(new RegExp(`tick ${i}$`, 'gm')), `tick ${i} exactly once`).toHaveLength(1);
    expect(done.status, done.reason ?? '').toBe('succeeded');
    expect(served()).toMatch(/^version=v2/);
  });

  it('rolls back from the control plane while inbound stays closed', async () => {
    const res = await apiClient.call<{ deployment: DeploymentView }>('POST', `${base}/rollback`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const rb = await waitFinal(apiClient, res.body.deployment.id, 60_000);
    expect(rb.status, rb.reason ?? '').toBe('succeeded');
    expect(rb.releaseId).toBe(first.releaseId);
    expect(served()).toMatch(/^version=v1/);
    expect(canConnect(net.cp, net.srvAddress, APP_PORT)).toBe(false);
  });
});
