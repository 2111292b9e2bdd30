import WebSocket from 'ws';
import type { ControlMessage, MessageOf } from '@devflow/protocol';
import { parseControlFrame } from '@devflow/protocol/control-frame';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '@devflow/protocol/version';
import type { Logger } from '../logs/logger.js';
import { Backoff } from './backoff.js';

export interface LinkOptions {
  /** Control-plane base URLs (http/https), tried in turn. */
  urls: readonly string[];
  /** A fresh credential per dial. */
  token: () => Promise<string>;
  /** The `hello` to send first on every connection (built fresh: activeSteps change). */
  hello: () => object;
  /** The control plane said `welcome`: replay what is owed. */
  onReady: (welcome: MessageOf<ControlMessage, 'welcome'>) => void;
  /** Every other valid message. */
  onMessage: (msg: ControlMessage) => void;
  log: Logger;
  backoff?: Backoff;
  /** After this long connected, the backoff starts over. */
  healthyAfterMs?: number;
  /** Give up on a connection that sends no `welcome` within this time. */
  welcomeTimeoutMs?: number;
}

/** `http://h:1/base` -> `ws://h:1/base/agent/connect`. */
export function connectUrl(base: string): string {
  const u = new URL('agent/connect', base.endsWith('/') ? base : `${base}/`);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

/**
 * The agent's one outbound connection to the control plane. Dials with a fresh JWT, sends
 * `hello`, waits for `welcome`, then exchanges messages; heartbeats and ws ping/pong terminate a
 * silent socket; every timer of a connection is cleared in its one close handler; it redials
 * with capped, fully jittered backoff, cycling through the control-plane URLs.
 */
export class AgentLink {
  private ws: WebSocket | undefined;
  private welcomed = false;
  private stopped = false;
  private dialTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private readonly backoff: Backoff;

  constructor(private readonly options: LinkOptions) {
    if (options.urls.length === 0) throw new Error('AgentLink: no control-plane URL');
    this.backoff = options.backoff ?? new Backoff();
  }

  /** Connected and welcomed: frames may be sent. */
  get ready(): boolean {
    return this.welcomed && this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    this.dial();
  }

  send(frame: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  /** Close for good (agent shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.dialTimer);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1001, 'agent shutting down');
      setTimeout(() => ws.terminate(), 2000).unref();
    });
  }

  private scheduleDial(): void {
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.options.log.info('reconnecting to the control plane', { inMs: delay });
    this.dialTimer = setTimeout(() => this.dial(), delay);
  }

  private dial(): void {
    if (this.stopped) return;
    const { options } = this;
    const base = options.urls[this.attempt++ % options.urls.length]!;
    const url = connectUrl(base);
    options
      .token()
      .then((token) => this.open(url, token))
      .catch((err: unknown) => {
        options.log.error('could not sign the connection token', { err });
        this.scheduleDial();
      });
  }

  private open(url: string, token: string): void {
    if (this.stopped) return;
    const { options } = this;
    const { log } = options;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, maxPayload: MAX_FRAME_BYTES, handshakeTimeout: 10_000 });
    this.ws = ws;
    this.welcomed = false;
    let alive = true;
    let closed = false;
    let heartbeat: NodeJS.Timeout | undefined;
    let healthy: NodeJS.Timeout | undefined;
    const welcomeTimer = setTimeout(() => {
      log.warn('no welcome from the control plane; dropping the connection', { url });
      ws.terminate();
    }, options.welcomeTimeoutMs ?? 15_000);

    const onGone = (why: string, fields: Record<string, unknown> = {}): void => {
      if (closed) return;
      closed = true;
      // One place clears everything this connection started.
      clearTimeout(welcomeTimer);
      clearInterval(heartbeat);
      clearTimeout(healthy);
      this.welcomed = false;
      if (this.ws === ws) this.ws = undefined;
      if (!this.stopped) log.warn(why, { url, ...fields });
      this.scheduleDial();
    };

    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 2048) body += chunk;
      });
      res.on('end', () => {
        req.destroy();
        const level = res.statusCode === 401 || res.statusCode === 403 ? 'refused the agent credentials' : 'refused the connection';
        onGone(`control plane ${level}`, { status: res.statusCode, body: body.slice(0, 500) });
      });
      res.on('error', () => onGone('control plane refused the connection', { status: res.statusCode }));
    });
    ws.on('error', (err) => log.debug('connection error', { url, err }));
    ws.on('open', () => {
      log.info('connected to the control plane', { url });
      ws.send(JSON.stringify(options.hello()));
    });
    ws.on('pong', () => (alive = true));
    ws.on('message', (data, isBinary) => {
      alive = true;
      const r = parseControlFrame(isBinary ? (data as Buffer) : String(data));
      if (!r.ok) {
        log.warn('bad message from the control plane', { code: r.code, error: r.error });
        this.send(JSON.stringify({ type: 'error', code: r.code, message: r.error, ...(r.ref ? { ref: r.ref } : {}) }));
        return;
      }
      const msg = r.message;
      if (msg.type === 'welcome') {
        if (msg.protocolVersion !== PROTOCOL_VERSION) {
          log.error('control plane speaks another protocol version', { theirs: msg.protocolVersion, ours: PROTOCOL_VERSION });
          ws.close(1002, 'protocol version mismatch');
          return;
        }
        clearTimeout(welcomeTimer);
        this.welcomed = true;
        const every = msg.heartbeatIntervalMs;
        clearInterval(heartbeat);
        heartbeat = setInterval(() => {
          if (!alive) {
            log.warn('control plane silent for a heartbeat interval; dropping the connection', { url, intervalMs: every });
            ws.terminate();
            return;
          }
          alive = false;
          ws.ping();
          this.send(JSON.stringify({ type: 'heartbeat', ts: Date.now() }));
        }, every);
        healthy = setTimeout(() => this.backoff.reset(), options.healthyAfterMs ?? 30_000);
        options.onReady(msg);
        return;
      }
      if (msg.type === 'heartbeat') return;
      if (msg.type === 'error') {
        log.warn('control plane reported an error', { code: msg.code, message: msg.message, ref: msg.ref });
        return;
      }
      options.onMessage(msg);
    });
    ws.on('close', (code, reason) => {
      const text = reason.toString();
      if (text === 'replaced') onGone('connection replaced by a newer one from this agent id', { code });
      else onGone('disconnected from the control plane', { code, reason: text || undefined });
    });
  }
}
