import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { adminSession, E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD, getServer } from '../helpers/control-plane.js';
import { enrollAgent, runAgent } from '../helpers/agent.js';
import { spawnNode, stopAll, type TestProcess } from '../helpers/processes.js';
import { AGENT_BIN, CONTROL_PLANE_INDEX, REPO_ROOT, requireBuilt } from '../helpers/repo.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const DRIVER = join(REPO_ROOT, 'test/fixtures/control-plane-driver.mjs');
const HEARTBEAT_MS = 300;

interface Driver {
  proc: TestProcess;
  url: string;
}

/** The built control plane, started in-process by the driver fixture (which adds a stdin to call runStep). */
async function startDriver(dataDir: string, port = 0): Promise<Driver> {
  const proc = spawnNode(
    'control-plane',
    DRIVER,
    [],
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DEVFLOW_DATA_DIR: dataDir,
      DEVFLOW_ADMIN_EMAIL: E2E_ADMIN_EMAIL,
      DEVFLOW_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      DEVFLOW_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
      LOG_LEVEL: 'warn',
      REDIS_URL: undefined,
      DEVFLOW_PUBLIC_URL: undefined,
    },
    { stdin: true },
  );
  const m = await proc.waitForLine(/DevFlow control plane listening on (http:\/\/\S+)/);
  return { proc, url: m[1] ?? '' };
}

async function runStep(d: Driver, agentId: string, spec: unknown): Promise<string> {
  const from = d.proc.lines.length;
  d.proc.writeLine(JSON.stringify({ cmd: 'run', agentId, spec }));
  const m = await d.proc.waitForLine(/^(?:STEP_SENT (\S+)|COMMAND_ERROR (.*))$/, 10_000, from);
  if (m[2]) throw new Error(`runStep failed: ${m[2]}`);
  return m[1] ?? '';
}

async function stepDone(d: Driver, stepId: string, timeoutMs = 60_000): Promise<{ status: string; exitCode: number | null; lastSeq: number; error?: string }> {
  const m = await d.proc.waitForLine(new RegExp(`^STEP_DONE ${stepId} (.*)$`), timeoutMs);
  return JSON.parse(m[1] ?? '{}') as { status: string; exitCode: number | null; lastSeq: number };
}

/** Read the stored log of a step straight from the control plane's database file. */
async function storedSeqs(dataDir: string, stepId: string): Promise<{ seq: number; text: string; stream: string; ts: number }[]> {
  const db = createClient({ url: `file:${join(dataDir, 'devflow.db')}` });
  try {
    const rs = await db.execute({ sql: 'SELECT seq, text, stream, ts FROM log_lines WHERE step_id = ? ORDER BY seq', args: [stepId] });
    return rs.rows.map((r) => ({ seq: Number(r.seq), text: String(r.text), stream: String(r.stream), ts: Number(r.ts) }));
  } finally {
    db.close();
  }
}

function expectExactlyOnce(lines: { seq: number; text: string }[], n: number, text: (i: number) => string): void {
  expect(lines.length).toBe(n);
  for (let i = 0; i < n; i++) {
    if (lines[i]?.seq !== i + 1 || lines[i]?.text !== text(i + 1)) {
      throw new Error(`line ${i + 1}: got ${JSON.stringify(lines[i])}`);
    }
  }
}

async function addServerAndEnroll(d: Driver, name: string): Promise<{ id: string; agentDir: string; headers: Record<string, string> }> {
  const headers = await adminSession(d.url);
  const res = await fetch(`${d.url}/api/servers`, { method: 'POST', headers, body: JSON.stringify({ name }) });
  const { id, enrollToken } = (await res.json()) as { id: string; enrollToken: string };
  const agentDir = await enrollAgent(d.url, enrollToken, name);
  return { id, agentDir, headers };
}

beforeAll(() => requireBuilt(CONTROL_PLANE_INDEX, AGENT_BIN));
afterEach(stopAll);
afterAll(removeTempDirs);

describe('control plane + agent, real processes on loopback', () => {
  it('enrols, shows online, streams 10,000 lines of a signed step, each stored exactly once in order', async () => {
    const cpDir = tempDir();
    const d = await startDriver(cpDir);
    const { id, agentDir, headers } = await addServerAndEnroll(d, 'e2e-web-1');
    runAgent(agentDir);
    await waitFor('server online', async () => (await getServer(d.url, headers, id)).status === 'online');

    const stepId = await runStep(d, id, { kind: 'exec', argv: ['sh', '-c', 'seq 1 10000; echo oops >&2'], timeoutMs: 60_000 });
    const result = await stepDone(d, stepId);
    expect(result).toMatchObject({ status: 'succeeded', exitCode: 0, lastSeq: 10_001 });
    const lines = await storedSeqs(cpDir, stepId);
    expectExactlyOnce(lines.slice(0, 10_000), 10_000, (i) => String(i));
    expect(lines[10_000]).toMatchObject({ seq: 10_001, text: 'oops', stream: 'stderr' });
    expect(lines.every((l) => l.ts > 0)).toBe(true);

    const res = await fetch(`${d.url}/api/steps/${stepId}`, { headers });
    expect(await res.json()).toMatchObject({ step: { status: 'succeeded', result: { exitCode: 0 } } });
  });

  it('kill -9 of the control plane while a step prints: after restart every line is stored once and the exit code is recorded', async () => {
    const cpDir = tempDir();
    let d = await startDriver(cpDir);
    const port = Number(new URL(d.url).port);
    const { id, agentDir, headers } = await addServerAndEnroll(d, 'e2e-web-2');
    runAgent(agentDir);
    await waitFor('server online', async () => (await getServer(d.url, headers, id)).status === 'online');

    // ~3 s of output, 3000 lines, exit code 3.
    const stepId = await runStep(d, id, { kind: 'exec', argv: ['sh', '-c', 'i=1; while [ $i -le 3000 ]; do echo "line $i"; i=$((i+1)); [ $((i % 100)) -eq 0 ] && sleep 0.1; done; exit 3'], timeoutMs: 60_000 });
    await waitFor('some lines stored', async () => (await storedSeqs(cpDir, stepId)).length > 200);
    d.proc.kill('SIGKILL');
    await d.proc.exited;

    d = await startDriver(cpDir, port);
    d.proc.writeLine(JSON.stringify({ cmd: 'await', stepId }));
    const result = await stepDone(d, stepId);
    expect(result).toMatchObject({ status: 'failed', exitCode: 3, lastSeq: 3000 });
    const lines = await storedSeqs(cpDir, stepId);
    expectExactlyOnce(lines, 3000, (i) => `line ${i}`);
  });

  it('kill the agent: the server goes offline within the heartbeat window', async () => {
    const d = await startDriver(tempDir());
    const { id, agentDir, headers } = await addServerAndEnroll(d, 'e2e-web-3');
    const agent = runAgent(agentDir);
    await waitFor('server online', async () => (await getServer(d.url, headers, id)).status === 'online');
    agent.kill('SIGKILL');
    await waitFor('server offline', async () => (await getServer(d.url, headers, id)).status === 'offline', 4 * HEARTBEAT_MS + 2000, 50);
  });

  it('a step.run with a bad signature is refused by the agent and reported', async () => {
    const d = await startDriver(tempDir());
    const { id, agentDir, headers } = await addServerAndEnroll(d, 'e2e-web-4');
    const marker = join(agentDir, 'forged-ran');
    runAgent(agentDir);
    await waitFor('server online', async () => (await getServer(d.url, headers, id)).status === 'online');
    const from = d.proc.lines.length;
    d.proc.writeLine(JSON.stringify({ cmd: 'forge', agentId: id, spec: { kind: 'exec', argv: ['touch', marker], timeoutMs: 5000 } }));
    const sent = await d.proc.waitForLine(/^STEP_SENT (\S+)$/, 10_000, from);
    const result = await stepDone(d, sent[1] ?? '', 20_000);
    expect(result.status).toBe('rejected');
    expect(readdirSync(agentDir)).not.toContain('forged-ran');
    // The agent is still connected and runs a properly signed step.
    const ok = await runStep(d, id, { kind: 'exec', argv: ['true'], timeoutMs: 5000 });
    expect(await stepDone(d, ok)).toMatchObject({ status: 'succeeded' });
  });
});
