import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES, MISSED_HEARTBEATS_OFFLINE, PROTOCOL_VERSION, type ControlMessage } from '@devflow/protocol';
import type { Logger } from '../logger.js';
import type { EventBus, Unsubscribe } from '../ports/event-bus.js';
import type { OnlineMark, ServerService } from '../servers/service.js';
import { AGENT_COMMANDS_TOPIC, type AgentCommandEvent } from '../servers/types.js';
import { newId } from '../crypto/random.js';
import { rejectUpgrade } from '../ws/upgrade.js';
import { AgentAuthError, type AgentAuthenticator } from './auth.js';
import { parseAgentFrame } from './frames.js';
import { TickBatch } from '../ports/tick-batch.js';
import { CLOSE, type AgentConnection, type AgentSessionHandler, type ConnectionRegistry } from './connection.js';

/** How often a connected agent's `last_seen_at` is written (its liveness is tracked in memory). */
export const LAST_SEEN_WRITE_MS = 30_000;

export interface AgentHubDeps {
  auth: AgentAuthenticator;
  servers: ServerService;
  bus: EventBus;
  logger: Logger;
  heartbeatIntervalMs: number;
  handler: () => AgentSessionHandler;
  /** Default LAST_SEEN_WRITE_MS. */
  lastSeenWriteMs?: number;
}

/** What the shared heartbeat sweep needs of one socket (one timer for all, not two per socket). */
interface Liveness {
  lastHeard: number;
  /** Until hello arrives: when to give up on it; 0 after hello. */
  helloBy: number;
  /** When `last_seen_at` was last written for this connection's agent (its hello's registration writes it). */
  lastSeenWritten: number;
  readonly conn: AgentConnection;
  /** Resolves when the socket closed and its pending work (offline mark) is done. */
  readonly finished: Promise<void>;
}

/** A registered (hello received) connection and its in-order work queue. */
interface LiveAgent {
  readonly conn: AgentConnection;
  /** Runs `work` after everything queued before it on this connection (the hello's registration first). */
  readonly enqueue: (work: () => Promise<void>) => void;
}

/**
 * `GET /agent/connect`: the agents' WebSocket endpoint. The JWT is verified before the
 * upgrade is accepted; then hello/welcome, heartbeats both ways plus ws ping/pong, one live
 * connection per agent (a newer one replaces the older), and every frame parsed through the
 * protocol schemas (a bad frame gets an `error` reply, the connection stays).
 */
export class AgentHub implements ConnectionRegistry {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  private readonly live = new Map<string, LiveAgent>();
  private readonly sockets = new Map<WebSocket, Liveness>();
  private sweepTimer: NodeJS.Timeout | undefined;
  /** The instance's one subscription to agent commands, made at the first hello. */
  private commands: Promise<Unsubscribe> | undefined;
  /** The hellos of one event-loop round mark their servers online in one statement. */
  private readonly onlineMarks = new TickBatch<OnlineMark, void>(async (marks) => {
    await this.deps.servers.markOnlineMany(marks);
    return marks.map(() => undefined);
  });

  constructor(private readonly deps: AgentHubDeps) {}

  get(agentId: string): AgentConnection | undefined {
    return this.live.get(agentId)?.conn;
  }

  get size(): number {
    return this.live.size;
  }

  handleUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return rejectUpgrade(socket, 401, 'missing "Authorization: Bearer <agent JWT>"');
    let agentId: string;
    try {
      ({ agentId } = await this.deps.auth.verify(m[1]));
    } catch (err) {
      if (!(err instanceof AgentAuthError)) throw err;
      this.deps.logger.warn('agent connection refused', { reason: err.message, remote: req.socket.remoteAddress });
      return rejectUpgrade(socket, 401, err.message);
    }
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(agentId, ws));
  };

  private accept(agentId: string, ws: WebSocket): void {
    const { logger, servers, heartbeatIntervalMs } = this.deps;
    const handler = this.deps.handler();
    const connectionId = newId('conn');
    // Fields added per call: a child logger per socket is a few hundred bytes times 10,000 sockets.
    const log = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => logger[level](message, { agentId, connectionId, ...fields });
    const conn: AgentConnection = {
      agentId,
      connectionId,
      send: (message: ControlMessage) => {
        if (ws.readyState !== ws.OPEN) return false;
        ws.send(JSON.stringify(message));
        return true;
      },
      close: (code, reason) => ws.close(code, reason),
    };
    let finished!: () => void;
    const alive: Liveness = {
      lastHeard: Date.now(),
      helloBy: Date.now() + Math.max(10_000, 3 * heartbeatIntervalMs),
      lastSeenWritten: 0,
      conn,
      finished: new Promise<void>((resolve) => (finished = resolve)),
    };
    this.sockets.set(ws, alive);
    this.sweepTimer ??= setInterval(this.sweep, heartbeatIntervalMs);

    let registered = false;
    let queue: Promise<void> = Promise.resolve();
    let closed = false;

    // Messages of one connection are handled in order: logs before the step's result.
    const enqueue = (work: () => Promise<void>): void => {
      queue = queue.then(work).catch((err: unknown) => {
        log('error', 'agent message handling failed', { err });
        conn.send({ type: 'error', code: 'INTERNAL', message: 'the control plane could not process the message; it will be re-sent' });
      });
    };

    ws.on('pong', () => (alive.lastHeard = Date.now()));
    ws.on('error', (err) => log('warn', 'agent socket error', { err: err.message }));

    ws.on('close', (code, reason) => {
      closed = true;
      this.sockets.delete(ws);
      if (this.sockets.size === 0) this.stopSweep();
      log('info', 'agent disconnected', { code, reason: reason.toString() });
      if (this.live.get(agentId)?.conn === conn) this.live.delete(agentId);
      if (registered) enqueue(() => servers.markOffline(agentId, connectionId));
      void queue.then(finished);
    });

    ws.on('message', (data, isBinary) => {
      alive.lastHeard = Date.now();
      const parsed = parseAgentFrame(isBinary ? Buffer.from(data as Buffer) : data.toString());
      if (!parsed.ok) {
        conn.send({ type: 'error', code: parsed.code, message: parsed.error, ...(parsed.ref ? { ref: parsed.ref } : {}) });
        return;
      }
      const msg = parsed.message;
      if (msg.type === 'heartbeat') return; // lastHeard above is all it does (the sweep writes last_seen_at)
      if (msg.type === 'hello') {
        if (registered) {
          conn.send({ type: 'error', code: 'MALFORMED', message: 'hello was already received on this connection', ref: 'hello' });
          return;
        }
        if (msg.protocolVersion !== PROTOCOL_VERSION) {
          conn.send({
            type: 'error',
            code: 'UNSUPPORTED_VERSION',
            message: `protocol version ${msg.protocolVersion} is not supported; this control plane speaks ${PROTOCOL_VERSION} (upgrade the agent)`,
          });
          ws.close(CLOSE.UNSUPPORTED_VERSION, 'unsupported protocol version');
          return;
        }
        alive.helloBy = 0;
        alive.lastSeenWritten = Date.now();
        registered = true;
        const previous = this.live.get(agentId);
        this.live.set(agentId, { conn, enqueue });
        previous?.conn.close(CLOSE.REPLACED, 'replaced by a newer connection of the same agent');
        enqueue(async () => {
          if (closed) return;
          await this.subscribeCommands();
          await Promise.all([
            // Another instance may hold an older connection of this agent: it must let go.
            servers.command(agentId, { type: 'disconnect', reason: 'replaced by a newer connection of the same agent', except: connectionId }),
            this.onlineMarks.add({ id: agentId, connectionId, agentVersion: msg.agentVersion, host: msg.host }),
          ]);
          conn.send({ type: 'welcome', protocolVersion: PROTOCOL_VERSION, agentId, heartbeatIntervalMs, serverTime: Date.now() });
          log('info', 'agent connected', { agentVersion: msg.agentVersion, activeSteps: msg.activeSteps.length });
          await handler.onConnected(conn, msg.activeSteps);
        });
        return;
      }
      if (!registered) {
        conn.send({ type: 'error', code: 'MALFORMED', message: 'send hello first', ref: msg.type });
        return;
      }
      enqueue(() => handler.onMessage(conn, msg));
    });
  }

  private subscribeCommands(): Promise<Unsubscribe> {
    this.commands ??= this.deps.bus.subscribe(AGENT_COMMANDS_TOPIC, this.onCommand).catch((err: unknown) => {
      this.commands = undefined; // the next hello tries again
      throw err;
    });
    return this.commands;
  }

  /** Every instance sees every command; it acts on those for agents connected to it. */
  private readonly onCommand = (event: unknown): void => {
    const { agentId, command } = event as AgentCommandEvent;
    const agent = this.live.get(agentId);
    if (!agent) return;
    const { conn } = agent;
    if (command.type === 'disconnect') {
      if (command.except !== conn.connectionId) conn.close(CLOSE.DISCONNECTED_BY_ADMIN, command.reason.slice(0, 120));
      return;
    }
    // Queued behind the hello's registration, so a step is never sent before the welcome.
    agent.enqueue(() =>
      this.deps
        .handler()
        .onCommand(conn, command)
        .catch((err: unknown) => this.deps.logger.error('agent command failed', { agentId, command: command.type, err })),
    );
  };

  /**
   * Every heartbeat interval, for all sockets at once: close one still without hello after its
   * deadline, terminate one silent for MISSED_HEARTBEATS_OFFLINE intervals, else heartbeat (+ ping if
   * not heard from for an interval);
   * and one `last_seen_at` write for every agent heard from whose last write is LAST_SEEN_WRITE_MS old.
   */
  private readonly sweep = (): void => {
    const now = Date.now();
    const frame = JSON.stringify({ type: 'heartbeat', ts: now } satisfies ControlMessage);
    const silentAfter = MISSED_HEARTBEATS_OFFLINE * this.deps.heartbeatIntervalMs;
    const seen: string[] = [];
    const lastSeenWriteMs = this.deps.lastSeenWriteMs ?? LAST_SEEN_WRITE_MS;
    for (const [ws, alive] of this.sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      if (alive.helloBy !== 0 && now >= alive.helloBy) {
        ws.close(CLOSE.HELLO_TIMEOUT, 'expected hello');
      } else if (now - alive.lastHeard > silentAfter) {
        this.deps.logger.warn('agent silent, closing', { agentId: alive.conn.agentId, connectionId: alive.conn.connectionId, silentMs: now - alive.lastHeard });
        ws.terminate();
      } else {
        ws.send(frame);
        // An agent heard from within the interval (its own heartbeat) needs no ping: with 10,000
        // agents a ping and its pong were 4,000 more socket writes and reads a second.
        if (now - alive.lastHeard >= this.deps.heartbeatIntervalMs) ws.ping();
        // "Last seen" is for people; liveness is tracked in memory (lastHeard). A write per agent per
        // heartbeat would be thousands a second with many agents.
        if (alive.helloBy === 0 && now - alive.lastSeenWritten >= lastSeenWriteMs && alive.lastHeard > alive.lastSeenWritten) {
          alive.lastSeenWritten = now;
          seen.push(alive.conn.agentId);
        }
      }
    }
    if (seen.length > 0) {
      this.deps.servers.touch(seen).catch((err: unknown) => this.deps.logger.warn('could not record last seen', { agents: seen.length, err }));
    }
  };

  private stopSweep(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** Close every agent socket and wait until each one's pending work (offline mark) is done. */
  async close(): Promise<void> {
    const done = [...this.sockets.values()].map((a) => a.finished);
    this.stopSweep();
    for (const ws of this.sockets.keys()) {
      ws.close(CLOSE.SHUTDOWN, 'control plane shutting down');
      ws.terminate();
    }
    await Promise.all(done);
    this.wss.close();
    await this.commands?.then((unsubscribe) => unsubscribe(), () => undefined);
  }
}
