import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeControlPlane } from '../../test-fixtures/fake-control-plane.js';
import { startAgent, type RunningAgent } from '../daemon.js';
import type { AgentIdentity } from '../enroll/identity.js';
import { createLogger, type Logger } from '../logs/logger.js';
import { execStep } from '../steps/exec.js';
import { Backoff } from './backoff.js';
import { connectUrl } from './connection.js';

const fixture = (name: string): string => new URL(`../../test-fixtures/${name}`, import.meta.url).pathname;
const AGENT = 'agent-1';
const agentKey = generateKeyPairSync('ed25519');

let dir: string;
let cp: FakeControlPlane;
let url: string;
let agent: RunningAgent | undefined;
let logLines: string[];
let log: Logger;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'df-link-'));
  cp = new FakeControlPlane(AGENT, agentKey.publicKey);
  url = await cp.listen();
  logLines = [];
  log = createLogger('debug', (l) => logLines.push(l));
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await cp.close();
  await rm(dir, { recursive: true, force: true });
});

const identity = async (urls = [url]): Promise<AgentIdentity> => ({
  agentId: AGENT,
  controlPlaneUrls: urls,
  controlPlanePublicKey: (await cp.publicJwk()) as AgentIdentity['controlPlanePublicKey'],
  labels: [],
});
const start = async (urls?: string[]): Promise<RunningAgent> =>
  (agent = await startAgent({
    dataDir: dir,
    identity: await identity(urls),
    privateKey: agentKey.privateKey,
    handlers: { exec: execStep },
    log,
    backoff: new Backoff({ baseMs: 20, maxMs: 200 }),
  }));
const range = (n: number): string[] => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

describe('connectUrl', () => {
  it('maps http(s) bases, with or without a path, to the ws(s) connect endpoint', () => {
    expect(connectUrl('http://127.0.0.1:7780')).toBe('ws://127.0.0.1:7780/agent/connect');
    expect(connectUrl('https://cp.example/devflow/')).toBe('wss://cp.example/devflow/agent/connect');
  });
});

describe('agent link against a control plane on a real socket', () => {
  it('says hello with host facts, runs a signed step and streams every line once, in order', async () => {
    await start();
    await expect.poll(() => cp.hellos.length).toBe(1);
    expect(cp.hellos[0]).toMatchObject({ agentVersion: expect.any(String), activeSteps: [], host: { dataDir: dir } });
    await cp.runStep('s1', { kind: 'exec', argv: [process.execPath, fixture('print-lines.mjs'), '10000'], timeoutMs: 30_000 });
    await expect.poll(() => cp.of('step.done').length, { timeout: 20_000 }).toBe(1);
    expect(cp.lines('s1')).toEqual([...range(10_000), 'done']);
    expect(cp.of('step.done')[0]?.result).toMatchObject({ status: 'succeeded', exitCode: 0, lastSeq: 10_001 });
    // step.done came after the last batch.
    expect(cp.received.findIndex((m) => m.type === 'step.done')).toBeGreaterThan(cp.received.findLastIndex((m) => m.type === 'log.batch'));
  });

  it('keeps a step running through a dropped connection; after reconnect every line arrives once, in order, with no gap', async () => {
    await start();
    await expect.poll(() => cp.hellos.length).toBe(1);
    // 3000 lines, pausing 20 ms every 100 lines: ~0.6 s of output to cut into.
    await cp.runStep('s1', { kind: 'exec', argv: [process.execPath, fixture('print-lines.mjs'), '3000', '0', '20'], timeoutMs: 30_000 });
    await expect.poll(() => cp.lines('s1').length).toBeGreaterThan(500);
    cp.drop();
    await expect.poll(() => cp.hellos.length, { timeout: 10_000 }).toBe(2);
    expect(cp.hellos[1]?.activeSteps).toContain('s1');
    await expect.poll(() => cp.of('step.done').length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(cp.lines('s1')).toEqual([...range(3000), 'done']);
    // No batch ever skipped ahead: each starts at or before the next missing seq.
    let have = 0;
    for (const b of cp.of('log.batch')) {
      expect(b.lines[0]!.seq).toBeLessThanOrEqual(have + 1);
      have = Math.max(have, b.lines.at(-1)!.seq);
    }
  });

  it('re-sends the result after each reconnect until it is acknowledged, then forgets it', async () => {
    cp.autoAckSteps = false;
    await start();
    await expect.poll(() => cp.hellos.length).toBe(1);
    await cp.runStep('s1', { kind: 'exec', argv: ['sh', '-c', 'echo one; echo two'], timeoutMs: 10_000 });
    await expect.poll(() => cp.of('step.done').length).toBe(1);
    cp.drop();
    await expect.poll(() => cp.of('step.done').length, { timeout: 10_000 }).toBe(2);
    expect(cp.hellos[1]?.activeSteps).toEqual(['s1']);
    cp.send({ type: 'step.ack', stepId: 's1' });
    await expect.poll(() => agent!.link.ready && cp.hellos.length).toBe(2);
    // Let the ack land, then reconnect once more: nothing is owed any more.
    await new Promise((r) => setTimeout(r, 100));
    cp.drop();
    await expect.poll(() => cp.hellos.length, { timeout: 10_000 }).toBe(3);
    expect(cp.hellos[2]?.activeSteps).toEqual([]);
    expect(cp.lines('s1')).toEqual(['one', 'two']);
    expect(cp.of('step.done')).toHaveLength(2);
  });

  it('reports a step cut off by an agent restart as failed "agent restarted", with its lines', async () => {
    await start();
    await expect.poll(() => cp.hellos.length).toBe(1);
    cp.autoAckLogs = false;
    await cp.runStep('s1', { kind: 'exec', argv: [process.execPath, '-e', 'console.log("before"); setInterval(() => {}, 1000)'], timeoutMs: 30_000 });
    await expect.poll(() => cp.lines('s1')).toEqual(['before']);
    await agent!.stop();
    cp.autoAckLogs = true;
    await start();
    await expect.poll(() => cp.of('step.done').length, { timeout: 10_000 }).toBe(1);
    expect(cp.of('step.done')[0]?.result).toMatchObject({ status: 'failed', error: 'agent restarted', lastSeq: 1 });
    // A repeat of the same step id after the restart is answered, not run again.
    await cp.runStep('s1', { kind: 'exec', argv: ['echo', 'again'], timeoutMs: 10_000 });
    await expect.poll(() => cp.of('step.done').length).toBe(2);
    expect(cp.lines('s1')).toEqual(['before']);
  });

  it('retries a refused (401) upgrade with backoff and logs why', async () => {
    cp.refuseNext = 3;
    await start();
    await expect.poll(() => cp.hellos.length, { timeout: 10_000 }).toBe(1);
    expect(cp.refused).toBe(3);
    expect(logLines.filter((l) => l.includes('refused the agent credentials') && l.includes('status=401'))).toHaveLength(3);
    expect(logLines.filter((l) => l.includes('reconnecting'))).toHaveLength(3);
  });

  it('refuses a token signed by another key (401) and keeps trying without a tight loop', async () => {
    agent = await startAgent({
      dataDir: dir,
      identity: await identity(),
      privateKey: generateKeyPairSync('ed25519').privateKey,
      handlers: {},
      log,
      backoff: new Backoff({ baseMs: 50, maxMs: 100 }),
    });
    await expect.poll(() => cp.refused, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(cp.hellos).toHaveLength(0);
    expect(agent.link.ready).toBe(false);
  });

  it('tries the control-plane URLs in turn', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(dead.address() as { port: number }).port}`;
    await new Promise<void>((r) => dead.close(() => r()));
    await start([deadUrl, url]);
    await expect.poll(() => cp.hellos.length, { timeout: 10_000 }).toBe(1);
    expect(logLines.some((l) => l.includes('disconnected') && l.includes(deadUrl.replace('http', 'ws')))).toBe(true);
  });

  it('answers malformed and unknown messages with an error and keeps working', async () => {
    await start();
    await expect.poll(() => agent!.link.ready).toBe(true);
    cp.send('{nope');
    cp.send({ type: 'launch.missiles' });
    cp.send({ type: 'log.ack', stepId: 's', seq: -1 });
    await expect.poll(() => cp.of('error').map((e) => e.code)).toEqual(['MALFORMED', 'UNKNOWN_TYPE', 'MALFORMED']);
    await cp.runStep('s1', { kind: 'exec', argv: ['echo', 'still here'], timeoutMs: 10_000 });
    await expect.poll(() => cp.lines('s1')).toEqual(['still here']);
  });

  it('refuses a step.run with a bad signature over the wire and reports it', async () => {
    await start();
    await expect.poll(() => agent!.link.ready).toBe(true);
    const other = generateKeyPairSync('ed25519').privateKey;
    const { CompactSign } = await import('jose');
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify({ stepId: 's1', agentId: AGENT, spec: { kind: 'exec', argv: ['true'], timeoutMs: 1000 }, issuedAt: 1 })))
      .setProtectedHeader({ alg: 'EdDSA' })
      .sign(other);
    cp.send({ type: 'step.run', stepId: 's1', jws });
    await expect.poll(() => cp.of('error')[0]?.code).toBe('BAD_SIGNATURE');
    expect(cp.of('step.done')[0]?.result.status).toBe('rejected');
  });

  it('drops a silent control plane (no pongs, no heartbeats) and reconnects', async () => {
    cp.heartbeatIntervalMs = 100;
    await start();
    await expect.poll(() => cp.hellos.length).toBe(1);
    // Stop reading the socket: pings go unanswered, heartbeats unread.
    (cp.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    await expect.poll(() => cp.hellos.length, { timeout: 10_000 }).toBe(2);
    expect(logLines.some((l) => l.includes('silent'))).toBe(true);
  });
});
