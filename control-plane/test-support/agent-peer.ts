import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import WebSocket from 'ws';
import { AGENT_JWT_AUDIENCE, PROTOCOL_VERSION, type ControlMessage } from '@devflow/protocol';
import type { ControlPlane } from '../src/start.js';
import { jsonHeaders, loginCookie } from './harness.js';

export const HOST_FACTS = {
  hostname: 'test-host', os: 'Linux', platform: 'linux', arch: 'x64', cpus: 2,
  memoryBytes: 1e9, diskFreeBytes: 1e10, dataDir: '/tmp/agent', nodeVersion: process.version,
};

/**
 * The other side of the agent protocol for control-plane tests: a real key pair, real JWTs,
 * a real WebSocket. It is the peer, not a stand-in for control-plane code.
 */
export class AgentPeer {
  private constructor(
    readonly agentId: string,
    readonly privateKey: CryptoKey,
    readonly controlPlanePublicKey: JWK,
  ) {}

  /** Create a server through the API and enrol a fresh key pair with its token. */
  static async enroll(cp: ControlPlane, name = `srv-${randomUUID().slice(0, 8)}`): Promise<AgentPeer> {
    const cookie = await loginCookie(cp);
    const created = await cp.app.request('/api/servers', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify({ name }) });
    const { enrollToken } = (await created.json()) as { enrollToken: string };
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const res = await cp.app.request('/agent/enroll', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: enrollToken, publicKey: await exportJWK(publicKey), host: HOST_FACTS }),
    });
    if (res.status !== 200) throw new Error(`enrol failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { agentId: string; controlPlanePublicKey: JWK };
    return new AgentPeer(body.agentId, privateKey, body.controlPlanePublicKey);
  }

  jwt(claims: { aud?: string; ttl?: number; jti?: string; sub?: string; key?: CryptoKey; iatOffset?: number } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000) + (claims.iatOffset ?? 0);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject(claims.sub ?? this.agentId)
      .setAudience(claims.aud ?? AGENT_JWT_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + (claims.ttl ?? 30))
      .setJti(claims.jti ?? randomUUID())
      .sign(claims.key ?? this.privateKey);
  }

  /** Open the socket with the given JWT; resolves on open, rejects with the HTTP status on refusal. */
  async connect(cp: ControlPlane, token?: string): Promise<PeerSocket> {
    const ws = new WebSocket(`${cp.url.replace(/^http/, 'ws')}/agent/connect`, { headers: { authorization: `Bearer ${token ?? (await this.jwt())}` } });
    const socket = new PeerSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new ConnectRefused(res.statusCode ?? 0)));
      ws.once('error', reject);
    });
    return socket;
  }

  /** Connect and complete the hello/welcome handshake. */
  async online(cp: ControlPlane, activeSteps: string[] = []): Promise<PeerSocket> {
    const s = await this.connect(cp);
    s.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, agentVersion: '0.0.0-test', host: HOST_FACTS, activeSteps });
    await s.next('welcome');
    return s;
  }
}

export class ConnectRefused extends Error {
  constructor(readonly status: number) {
    super(`connection refused with HTTP ${status}`);
  }
}

/** A connected socket that records every control message it receives. */
export class PeerSocket {
  readonly received: ControlMessage[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as ControlMessage);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first received message of `type` (optionally matching) not yet taken. */
  async next<T extends ControlMessage['type']>(type: T, match: (m: Extract<ControlMessage, { type: T }>) => boolean = () => true, timeoutMs = 5000): Promise<Extract<ControlMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex((m) => m.type === type && match(m as Extract<ControlMessage, { type: T }>));
      if (i >= 0) return this.received.splice(i, 1)[0] as Extract<ControlMessage, { type: T }>;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${type}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${type}; got ${JSON.stringify(this.received.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  close(): void {
    this.ws.terminate();
  }
}
