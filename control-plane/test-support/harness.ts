import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startControlPlane, type ControlPlane } from '../src/start.js';

export const ADMIN_EMAIL = 'admin@test.local';
export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface TestControlPlane extends ControlPlane {
  dataDir: string;
  /** Stop the control plane and remove its data dir. */
  dispose(): Promise<void>;
}

/** A real control plane on 127.0.0.1:0 with a fresh data dir (libsql file), for in-process tests. */
/** The loopback names and addresses tests' local receivers listen on. */
export const LOOPBACK_TEST_HOSTS = '127.0.0.0/8,::1,localhost';

export async function startTestControlPlane(env: Record<string, string> = {}): Promise<TestControlPlane> {
  const dataDir = env.DEVFLOW_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'devflow-cp-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DEVFLOW_DATA_DIR: dataDir,
    DEVFLOW_ADMIN_EMAIL: ADMIN_EMAIL,
    DEVFLOW_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: 'silent',
    // Tests use local git repositories and loopback receivers (Slack, webhooks): allowed explicitly,
    // the way an admin would; the SSRF checks themselves stay on.
    DEVFLOW_ALLOWED_INTERNAL_HOSTS: LOOPBACK_TEST_HOSTS,
    DEVFLOW_ALLOW_LOCAL_REPOSITORIES: 'on',
    ...env,
  });
  const cp = await startControlPlane(config, { logger: createLogger('silent'), print: () => undefined });
  return {
    ...cp,
    dataDir,
    async dispose() {
      await cp.close();
      if (!env.DEVFLOW_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Headers for a JSON request from the console (cookie session + CSRF header). */
export function jsonHeaders(cookie?: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-devflow-csrf': '1', ...(cookie ? { cookie } : {}) };
}

/** Log in as the admin through the API and return the session cookie. */
export async function loginCookie(cp: ControlPlane, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<string> {
  const res = await cp.app.request('/api/auth/login', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0] ?? '';
}

/** An admin API token. */
export async function adminToken(cp: ControlPlane): Promise<string> {
  const res = await cp.app.request('/api/tokens', { method: 'POST', headers: jsonHeaders(await loginCookie(cp)), body: JSON.stringify({ name: 'test' }) });
  return ((await res.json()) as { token: string }).token;
}
