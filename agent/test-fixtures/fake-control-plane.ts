import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { CompactSign, exportJWK, jwtVerify, type JWK } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import { AGENT_JWT_AUDIENCE, MAX_FRAME_BYTES, PROTOCOL_VERSION, parseAgentMessage, type AgentMessage, type StepSpec } from '@devflow/protocol';

/**
 * A tiny control plane for agent tests: a real HTTP server on 127.0.0.1 port 0 that verifies the
 * agent's JWT on upgrade, answers hello with welcome, signs step.run with its own Ed25519 key,
 * stores log lines by seq (like the real one: each line once), and acks on demand.
 */
export class FakeControlPlane {
  readonly key = generateKeyPairSync('ed25519');
  readonly server: Server = createServer((_req, res) => res.writeHead(404).end());
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  /** Every frame from the agent, in arrival order, across connections. */
  readonly received: AgentMessage[] = [];
  readonly hellos: Extract<AgentMessage, { type: 'hello' }>[] = [];
  /** Stored lines per step, by seq. */
  readonly stored = new Map<string, Map<number, string>>();
  /** Upgrades refused so far. */
  refused = 0;
  /** Refuse the next N upgrades with 401. */
  refuseNext = 0;
  autoAckLogs = true;
  autoAckSteps = true;
  heartbeatIntervalMs = 5000;
  socket: WebSocket | undefined;
  private readonly listeners = new Set<(m: AgentMessage) => void>();

  constructor(
    private readonly agentId: string,
    private readonly agentPublicKey: KeyObject,
  ) {
    this.server.on('upgrade', (req, socket, head) => void this.upgrade(req, socket, head));
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  publicJwk(): Promise<JWK> {
    return exportJWK(this.key.publicKey);
  }

  async sign(payload: object): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA' }).sign(this.key.privateKey);
  }

  async runStep(stepId: string, spec: StepSpec, extra: object = {}): Promise<void> {
    const jws = await this.sign({ stepId, agentId: this.agentId, spec, issuedAt: Date.now(), ...extra });
    this.send({ type: 'step.run', stepId, jws });
  }

  send(msg: object | string): void {
    this.socket?.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Drop the agent's connection abruptly (like a crash or a network cut). */
  drop(): void {
    this.socket?.terminate();
  }

  lines(stepId: string): string[] {
    const m = this.stored.get(stepId) ?? new Map<number, string>();
    return [...m.keys()].sort((a, b) => a - b).map((k) => m.get(k)!);
  }

  of<T extends AgentMessage['type']>(type: T): Extract<AgentMessage, { type: T }>[] {
    return this.received.filter((f): f is Extract<AgentMessage, { type: T }> => f.type === type);
  }

  onMessage(fn: (m: AgentMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    let ok = false;
    try {
      const { payload } = await jwtVerify(token ?? '', this.agentPublicKey, { audience: AGENT_JWT_AUDIENCE, algorithms: ['EdDSA'] });
      ok = payload.sub === this.agentId && payload.exp! - payload.iat! <= 60;
    } catch {
      ok = false;
    }
    if (!ok || this.refuseNext > 0) {
      this.refuseNext = Math.max(0, this.refuseNext - 1);
      this.refused++;
      const body = '{"error":"agent token rejected"}';
      socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.socket?.close(4000, 'replaced');
    this.socket = ws;
    ws.on('message', (data) => {
      const r = parseAgentMessage(data as Buffer);
      if (!r.ok) throw new Error(`agent sent an invalid frame: ${r.error}`);
      const m = r.message;
      this.received.push(m);
      if (m.type === 'hello') {
        this.hellos.push(m);
        ws.send(JSON.stringify({ type: 'welcome', protocolVersion: PROTOCOL_VERSION, agentId: this.agentId, heartbeatIntervalMs: this.heartbeatIntervalMs, serverTime: Date.now() }));
      } else if (m.type === 'log.batch') {
        let store = this.stored.get(m.stepId);
        if (!store) this.stored.set(m.stepId, (store = new Map()));
        for (const l of m.lines) if (!store.has(l.seq)) store.set(l.seq, l.text);
        if (this.autoAckLogs) ws.send(JSON.stringify({ type: 'log.ack', stepId: m.stepId, seq: m.lines.at(-1)!.seq }));
      } else if (m.type === 'step.done' && this.autoAckSteps) {
        ws.send(JSON.stringify({ type: 'step.ack', stepId: m.stepId }));
      }
      for (const fn of this.listeners) fn(m);
    });
  }
}
