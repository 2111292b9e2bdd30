import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Api } from './api.js';
import { addServer } from './control-plane.js';
import { AGENT_BIN, requireBuilt } from './repo.js';
import { spawnNode, type TestProcess } from './processes.js';
import { tempDir } from './temp.js';
import { httpGet } from './net.js';
import { waitFor } from './wait.js';

/** `devflow-agent enroll --url --token --name --data-dir`; resolves with the data dir once it succeeded. */
export async function enrollAgent(url: string, token: string, name: string, dataDir = tempDir('devflow-agent-')): Promise<string> {
  requireBuilt(AGENT_BIN);
  const p = spawnNode('agent-enroll', AGENT_BIN, ['enroll', '--url', url, '--token', token, '--name', name, '--data-dir', dataDir]);
  await p.exited;
  if (p.exit?.code !== 0) throw new Error(`agent enroll failed (${JSON.stringify(p.exit)}):\n${p.tail()}`);
  return dataDir;
}

/** `devflow-agent run --data-dir D` in the background. */
export function runAgent(dataDir: string, env: Record<string, string> = {}): TestProcess {
  requireBuilt(AGENT_BIN);
  return spawnNode('agent', AGENT_BIN, ['run', '--data-dir', dataDir], { LOG_LEVEL: 'info', ...env });
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
export async function startAgent(api: Api, name: string, host: string, onlineTimeoutMs = 20_000): Promise<TestAgent> {
  const { id, enrollToken } = await addServer(api.url, name);
  const dataDir = await enrollAgent(api.url, enrollToken, name);
  const agent: TestAgent = { id, name, dataDir, host, proc: runAgent(dataDir) };
  await waitFor(`agent ${name} online`, async () => (await api.call<{ server: { status: string } }>('GET', `/api/servers/${id}`)).body.server?.status === 'online', onlineTimeoutMs);
  return agent;
}

/** Where the agent keeps the app; `shared/host.txt` tells the example app which address to bind. */
export function prepareAppDir(agent: TestAgent, app: string): string {
  const shared = join(agent.dataDir, 'apps', app, 'shared');
  mkdirSync(shared, { recursive: true });
  writeFileSync(join(shared, 'host.txt'), agent.host);
  return join(agent.dataDir, 'apps', app);
}

/**
 * What the agent's copy of the app answers on `/`. The control plane health-checks
 * 127.0.0.1:<port>, which on this shared host is the copy bound to 127.0.0.1: a copy bound to
 * another loopback address is never checked, so right after a restart it may still be booting.
 * For those (only) a refused connection is retried for a bounded time; any answer is final.
 */
export async function servedBy(agent: TestAgent, port: number, bootMs = 15_000): Promise<string> {
  const url = `http://${agent.host}:${port}/`;
  const deadline = Date.now() + (agent.host === '127.0.0.1' ? 0 : bootMs);
  for (;;) {
    try {
      return (await httpGet(url)).text;
    } catch (err) {
      const refused = (err as Error & { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
      if (!refused || Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
