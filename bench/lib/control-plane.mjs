// Set-up the deployment benchmarks share: an in-process control plane, a real enrolled agent,
// admin API calls. Run after `npm run build` (it uses the dist bundles).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createLogger, loadConfig, startControlPlane } from '../../control-plane/dist/index.js';
import { AGENT, sleep } from './common.mjs';

export const ADMIN = { email: 'bench@example.com', password: 'bench-admin-pw' };

/** A control plane in this process on 127.0.0.1:0, silent, quick start off, admin ADMIN. */
export function startBenchControlPlane(dataDir, env = {}) {
  return startControlPlane(
    loadConfig({
      PORT: '0', HOST: '127.0.0.1', DEVFLOW_DATA_DIR: dataDir, DEVFLOW_ADMIN_EMAIL: ADMIN.email, DEVFLOW_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'silent', DEVFLOW_QUICKSTART: 'off', DEVFLOW_ALLOW_LOCAL_REPOSITORIES: 'on', DEVFLOW_ALLOWED_INTERNAL_HOSTS: '127.0.0.0/8,::1,localhost', DEVFLOW_MIN_FREE_DISK_BYTES: '1', ...env,
    }),
    { logger: createLogger('silent'), print: () => {} },
  );
}

/**
 * Logs in as ADMIN; returns `api(method, path, body?)` answering parsed JSON, throwing on a
 * status >= 300, with `api.headers` (session cookie + CSRF) for requests that are not JSON.
 */
export async function adminApi(url) {
  const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' }, body: JSON.stringify(ADMIN) });
  const headers = { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0], 'content-type': 'application/json', 'x-devflow-csrf': '1' };
  const api = async (method, path, body) => {
    const res = await fetch(`${url}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    const json = await res.json();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  api.headers = headers;
  return api;
}

/**
 * Adds server `name`, enrols a real agent into `dataDir` and runs it until it is online.
 * Enrolment runs asynchronously: the control plane answering it lives in this same process.
 */
export async function startBenchAgent(cp, dataDir, name = 'bench-1') {
  const { servers } = cp.services;
  const { id, enrollToken } = await servers.create('bench', { name });
  await promisify(execFile)(process.execPath, [AGENT, 'enroll', '--url', cp.url, '--token', enrollToken, '--name', name, '--data-dir', dataDir]);
  const child = spawn(process.execPath, [AGENT, 'run', '--data-dir', dataDir], { stdio: 'ignore', env: { ...process.env, DEVFLOW_AGENT_LOG_LEVEL: 'warn' } });
  while ((await servers.get(id)).status !== 'online') await sleep(20);
  return { id, child };
}

/** Polls a deployment every `everyMs` until it is final; resolves with it. */
export async function finished(api, id, everyMs) {
  for (;;) {
    const { deployment } = await api('GET', `/api/deployments/${id}`);
    if (FINAL.includes(deployment.status)) return deployment;
    await sleep(everyMs);
  }
}

const FINAL = ['succeeded', 'failed', 'cancelled', 'timed_out', 'skipped'];

/**
 * Resolves with the deployment once `read(id)` shows it final, woken by its status events on the
 * control plane's bus (no polling load of our own). Subscribed before each read, so a change
 * landing right after the read is not missed (subscribing after the read slept the whole 200 ms
 * fallback: that was a 223 ms "rollback p99").
 */
export async function finishedOnBus(bus, read, id) {
  for (;;) {
    let wake;
    const changed = new Promise((resolve) => (wake = resolve));
    const unsubscribe = await bus.subscribe(`deployment:${id}`, (e) => e.type === 'deployment.status' && wake());
    try {
      const deployment = await read(id);
      if (FINAL.includes(deployment.status)) return deployment;
      await Promise.race([changed, sleep(200)]);
    } finally {
      await unsubscribe();
    }
  }
}
