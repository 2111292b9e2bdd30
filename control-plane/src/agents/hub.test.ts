import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '@devflow/protocol';
import { startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { AgentPeer, ConnectRefused, HOST_FACTS, type PeerSocket } from '../../test-support/agent-peer.js';
import { CLOSE } from './connection.js';
import { AgentHub, LAST_SEEN_WRITE_MS, type AgentHubDeps } from './hub.js';

let cp: TestControlPlane;
const open: PeerSocket[] = [];
beforeAll(async () => {
  cp = await startTestControlPlane({ DEVFLOW_HEARTBEAT_INTERVAL_MS: '200' });
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
afterAll(() => cp.dispose());

const track = (s: PeerSocket): PeerSocket => (open.push(s), s);
const status = async (id: string) => (await cp.services.servers.get(id)).status;

async function refused(peer: AgentPeer, token: string): Promise<number> {
  try {
    track(await peer.connect(cp, token));
  } catch (err) {
    if (err instanceof ConnectRefused) return err.status;
    throw err;
  }
  return 101;
}

describe('agent connection authentication', () => {
  it('accepts a valid JWT; hello marks the server online with version and host facts', async () => {
    const peer = await AgentPeer.enroll(cp);
    const s = track(await peer.online(cp));
    expect(s.closed).toBeUndefined();
    const server = await cp.services.servers.get(peer.agentId);
    expect(server).toMatchObject({ status: 'online', agentVersion: '0.0.0-test', host: HOST_FACTS });
    expect(server.lastSeenAt).toBeGreaterThan(0);
  });

  it('does not write last_seen_at on every heartbeat (at most every LAST_SEEN_WRITE_MS)', async () => {
    const peer = await AgentPeer.enroll(cp);
    const s = track(await peer.online(cp));
    const seenAtHello = (await cp.services.servers.get(peer.agentId)).lastSeenAt;
    for (let i = 0; i < 5; i++) s.send({ type: 'heartbeat', ts: Date.now() });
    // A message after the heartbeats, answered in order, proves they were all handled.
    s.send({ type: 'launch.missiles' });
    await s.next('error', (m) => m.code === 'UNKNOWN_TYPE');
    expect((await cp.services.servers.get(peer.agentId)).lastSeenAt).toBe(seenAtHello);
    expect(LAST_SEEN_WRITE_MS).toBeGreaterThanOrEqual(10_000);
  });

  it('writes last_seen_at from the heartbeat sweep once the write interval has passed', async () => {
    // A second hub on its own HTTP server, with a write interval short enough for a test.
    const { auth, servers, bus, logger } = (cp.services.hub as unknown as { deps: AgentHubDeps }).deps;
    const hub = new AgentHub({ auth, servers, bus, logger, heartbeatIntervalMs: 100, lastSeenWriteMs: 300, handler: () => cp.services.dispatcher });
    const server = createServer().on('upgrade', hub.handleUpgrade);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const peer = await AgentPeer.enroll(cp);
      track(await peer.online({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } as TestControlPlane));
      const seenAtHello = (await cp.services.servers.get(peer.agentId)).lastSeenAt!;
      await expect.poll(async () => (await cp.services.servers.get(peer.agentId)).lastSeenAt, { timeout: 5000 }).toBeGreaterThanOrEqual(seenAtHello + 300);
    } finally {
      await hub.close();
      server.close();
    }
  });

  it.each([
    ['forged (signed by another key)', async (p: AgentPeer) => p.jwt({ key: (await generateKeyPair('EdDSA', { crv: 'Ed25519' })).privateKey })],
    ['expired', (p: AgentPeer) => p.jwt({ iatOffset: -120, ttl: 30 })],
    ['wrong audience', (p: AgentPeer) => p.jwt({ aud: 'someone-else' })],
    ['too long-lived (exp > iat + 60 s)', (p: AgentPeer) => p.jwt({ ttl: 3600 })],
    ['for an unknown agent', (p: AgentPeer) => p.jwt({ sub: 'srv_unknown' })],
    ['not a JWT', async () => 'garbage'],
  ])('refuses a %s JWT with 401 and leaves the server offline', async (_name, make) => {
    const peer = await AgentPeer.enroll(cp);
    expect(await refused(peer, await make(peer))).toBe(401);
    expect(await status(peer.agentId)).toBe('offline');
  });

  it('refuses a replayed jti with 401', async () => {
    const peer = await AgentPeer.enroll(cp);
    const token = await peer.jwt();
    const first = track(await peer.connect(cp, token));
    first.close();
    await first.waitClosed();
    expect(await refused(peer, token)).toBe(401);
  });
});

describe('agent messages', () => {
  it('answers malformed and unknown messages with an error; the connection keeps working', async () => {
    const peer = await AgentPeer.enroll(cp);
    const s = track(await peer.online(cp));
    s.send('{not json');
    expect(await s.next('error')).toMatchObject({ code: 'MALFORMED' });
    s.send({ type: 'launch.missiles' });
    expect(await s.next('error')).toMatchObject({ code: 'UNKNOWN_TYPE', ref: 'launch.missiles' });
    s.send({ type: 'log.batch', stepId: 'x', lines: [] });
    expect(await s.next('error')).toMatchObject({ code: 'MALFORMED', ref: 'log.batch' });
    s.send({ type: 'log.batch', stepId: 'no-such-step', lines: [{ seq: 1, stream: 'stdout', ts: 1, text: 'hi' }] });
    expect(await s.next('error')).toMatchObject({ code: 'UNKNOWN_STEP', ref: 'no-such-step' });
    // Still up: a heartbeat from the control plane arrives and a step can be run.
    await s.next('heartbeat');
    const { stepId } = await cp.services.dispatcher.runStep(peer.agentId, { kind: 'exec', argv: ['true'], timeoutMs: 1000 });
    expect(await s.next('step.run')).toMatchObject({ stepId });
    expect(s.closed).toBeUndefined();
    expect(await status(peer.agentId)).toBe('online');
  });

  it('refuses messages before hello, and a protocol version mismatch closes with an error', async () => {
    const peer = await AgentPeer.enroll(cp);
    const s = track(await peer.connect(cp));
    s.send({ type: 'heartbeat', ts: 1 });
    expect(await s.next('heartbeat').catch(() => null)).not.toBeNull(); // heartbeats are fine before hello
    s.send({ type: 'step.started', stepId: 'x', pid: 1, startedAt: 1 });
    expect(await s.next('error')).toMatchObject({ code: 'MALFORMED', message: expect.stringMatching(/hello first/) });
    s.send({ type: 'hello', protocolVersion: 999, agentVersion: '9', host: HOST_FACTS, activeSteps: [] });
    expect(await s.next('error')).toMatchObject({ code: 'UNSUPPORTED_VERSION' });
    expect((await s.waitClosed()).code).toBe(CLOSE.UNSUPPORTED_VERSION);
    expect(await status(peer.agentId)).toBe('offline');
  });

  it('refuses an oversized frame by closing with 1009', async () => {
    const peer = await AgentPeer.enroll(cp);
    const s = track(await peer.online(cp));
    s.send('x'.repeat(MAX_FRAME_BYTES + 1));
    expect((await s.waitClosed()).code).toBe(1009);
    await expect.poll(() => status(peer.agentId)).toBe('offline');
  });

  it('a second connection replaces the first cleanly; the server stays online', async () => {
    const peer = await AgentPeer.enroll(cp);
    const first = track(await peer.online(cp));
    const second = track(await peer.online(cp));
    expect(await first.waitClosed()).toMatchObject({ code: CLOSE.REPLACED, reason: expect.stringMatching(/replaced/) });
    expect(await status(peer.agentId)).toBe('online');
    expect(cp.services.hub.get(peer.agentId)).toBeDefined();
    await second.next('heartbeat');
    expect(second.closed).toBeUndefined();
  });

  it('marks the server offline when the agent goes away, and when it goes silent (no pong, no heartbeat)', async () => {
    const peer = await AgentPeer.enroll(cp);
    const s = track(await peer.online(cp));
    s.close();
    await expect.poll(() => status(peer.agentId)).toBe('offline');

    const silent = track(await peer.online(cp));
    expect(await status(peer.agentId)).toBe('online');
    // Stop answering pings: the raw socket is paused so nothing is read or answered.
    (silent.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await expect.poll(() => status(peer.agentId), { timeout: 5000 }).toBe('offline');
  });

  it('pings only an agent it has not heard from for an interval; one that answers pings stays connected', async () => {
    const [talking, quiet] = await Promise.all([AgentPeer.enroll(cp), AgentPeer.enroll(cp)]);
    const t = track(await talking.online(cp));
    const q = track(await quiet.online(cp));
    const pings = { talking: 0, quiet: 0 };
    t.ws.on('ping', () => pings.talking++);
    q.ws.on('ping', () => pings.quiet++);
    // Far more often than the hub's 200 ms interval, so a busy machine does not make a gap.
    const beat = setInterval(() => t.send({ type: 'heartbeat', ts: Date.now() }), 25);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1200)); // six heartbeat intervals of 200 ms
    } finally {
      clearInterval(beat);
    }
    expect(pings.talking).toBe(0);
    expect(pings.quiet).toBeGreaterThan(0);
    expect([t.closed, q.closed]).toEqual([undefined, undefined]);
    expect(await status(quiet.agentId)).toBe('online');
  });

  it('deleting the server disconnects its agent', async () => {
    const peer = await AgentPeer.enroll(cp);
    const s = track(await peer.online(cp));
    await cp.services.servers.remove('test', peer.agentId);
    expect((await s.waitClosed()).code).toBe(CLOSE.DISCONNECTED_BY_ADMIN);
  });
});
