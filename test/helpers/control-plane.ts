import { CONTROL_PLANE_MAIN, requireBuilt } from './repo.js';
import { spawnNode, type TestProcess } from './processes.js';
import { tempDir } from './temp.js';

export const E2E_ADMIN_EMAIL = 'admin@e2e.local';
export const E2E_ADMIN_PASSWORD = 'e2e admin password';

export interface RunningControlPlane {
  process: TestProcess;
  url: string;
  port: number;
  dataDir: string;
}

/**
 * Start `node control-plane/dist/main.js` on 127.0.0.1 (PORT=0 unless given) with its own data
 * dir, and read the bound URL from its "listening on" line.
 */
export async function startControlPlaneProcess(options: { dataDir?: string; port?: number; env?: Record<string, string> } = {}): Promise<RunningControlPlane> {
  requireBuilt(CONTROL_PLANE_MAIN);
  const dataDir = options.dataDir ?? tempDir('devflow-cp-');
  const proc = spawnNode('control-plane', CONTROL_PLANE_MAIN, [], {
    PORT: String(options.port ?? 0),
    HOST: '127.0.0.1',
    DEVFLOW_DATA_DIR: dataDir,
    DEVFLOW_ADMIN_EMAIL: E2E_ADMIN_EMAIL,
    DEVFLOW_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
    // Tests add their own servers and projects; the quick start's local agent would be in the way.
    DEVFLOW_QUICKSTART: 'off',
    // Local git repositories and loopback receivers (Slack, SMTP, webhooks), allowed explicitly as an
    // admin would; the SSRF checks stay on (the bad-input suite turns the loopback allowance off).
    DEVFLOW_ALLOWED_INTERNAL_HOSTS: '127.0.0.0/8,::1,localhost',
    DEVFLOW_ALLOW_LOCAL_REPOSITORIES: 'on',
    REDIS_URL: undefined,
    DEVFLOW_PUBLIC_URL: undefined,
    ...options.env,
  });
  const m = await proc.waitForLine(/DevFlow control plane listening on (http:\/\/\S+)/);
  const url = m[1] ?? '';
  return { process: proc, url, port: Number(new URL(url).port), dataDir };
}

/** A control plane for deployment tests: 500 ms heartbeats, and a 1-byte free-disk floor so the test host's disk never refuses a deployment. */
export async function startEngineControlPlane(env: Record<string, string> = {}, dataDir?: string): Promise<RunningControlPlane> {
  return startControlPlaneProcess({ ...(dataDir ? { dataDir } : {}), env: { DEVFLOW_HEARTBEAT_INTERVAL_MS: '500', DEVFLOW_MIN_FREE_DISK_BYTES: '1', ...env } });
}

/** Log in through the API; returns headers for further JSON calls (cookie + CSRF header). */
export async function adminSession(url: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' },
    body: JSON.stringify({ email: E2E_ADMIN_EMAIL, password: E2E_ADMIN_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { cookie, 'content-type': 'application/json', 'x-devflow-csrf': '1' };
}

/** Add a server through the API; returns its id and enrolment token. */
export async function addServer(url: string, name: string): Promise<{ id: string; enrollToken: string; installCommand: string }> {
  const res = await fetch(`${url}/api/servers`, { method: 'POST', headers: await adminSession(url), body: JSON.stringify({ name }) });
  if (res.status !== 201) throw new Error(`add server failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; enrollToken: string; installCommand: string };
}

export async function getServer(url: string, headers: Record<string, string>, id: string): Promise<{ status: string; agentVersion: string | null }> {
  const res = await fetch(`${url}/api/servers/${id}`, { headers });
  return ((await res.json()) as { server: { status: string; agentVersion: string | null } }).server;
}
