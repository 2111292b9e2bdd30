import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { UpstreamStatus } from './control-protocol.js';
import type { SlotStats } from './slot-stats.js';

/**
 * Idle keep-alive sockets are dropped after 4 s, before Node servers' default 5 s keep-alive
 * timeout, so we rarely reuse a socket the app is closing at that very moment.
 */
const IDLE_MS = 4_000;

/** The exchange currently using an upstream connection; gets its socket's events. */
export interface UpstreamUser {
  onUpstreamData(chunk: Buffer): void;
  /** The app finished sending (FIN); 'close' follows. */
  onUpstreamEnd(): void;
  onUpstreamDrain(): void;
  /** The socket closed while this user held it; `err` says why. */
  onUpstreamClose(err: NodeJS.ErrnoException): void;
}

/** One TCP connection to a slot, pooled by its Upstream between requests. */
export class UpstreamConnection {
  user: UpstreamUser | null = null;
  idleSince = 0;
  private error: NodeJS.ErrnoException | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly owner: Upstream,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** Takes the socket out of the pool's hands (an upgraded tunnel); its owner forgets it. */
  detach(): net.Socket {
    this.socket.off('data', this.onData).off('end', this.onEnd).off('drain', this.onDrain).off('error', this.onError).off('close', this.onClose);
    this.owner.forget(this);
    this.user = null;
    return this.socket;
  }

  private readonly onData = (chunk: Buffer) => {
    if (this.user) this.user.onUpstreamData(chunk);
    // Bytes while idle are not an answer to anything: the connection is out of step.
    else this.socket.destroy();
  };

  private readonly onEnd = () => this.user?.onUpstreamEnd();
  private readonly onDrain = () => this.user?.onUpstreamDrain();
  private readonly onError = (err: NodeJS.ErrnoException) => {
    this.error = err;
  };

  private readonly onClose = () => {
    this.owner.forget(this);
    const user = this.user;
    this.user = null;
    user?.onUpstreamClose(this.error ?? Object.assign(new Error('upstream closed the connection'), { code: 'ECONNRESET' }));
  };
}

/**
 * One target of a route: a slot's port with its own keep-alive pool. A request holds the
 * Upstream it started on, so switching the route's active Upstream never disturbs it; draining
 * only closes what is idle, then whatever remains when the drain time is up.
 */
export class Upstream {
  private readonly connections = new Set<UpstreamConnection>();
  /** Idle connections, most recently used last (reused first: it is the least likely to have timed out). */
  private readonly idle: UpstreamConnection[] = [];
  private inflightCount = 0;
  private readonly tunnels = new Set<readonly [Duplex, Duplex]>();
  private draining = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private onDrained: (() => void) | undefined;
  /** Set while the route is split between this upstream and another: its requests are counted. */
  stats: SlotStats | null = null;

  constructor(
    readonly slot: string,
    readonly port: number,
  ) {}

  /** A pooled keep-alive connection, or a new one. */
  acquire(): UpstreamConnection {
    const now = Date.now();
    for (let conn = this.idle.pop(); conn; conn = this.idle.pop()) {
      if (now - conn.idleSince < IDLE_MS && !conn.socket.destroyed) return conn;
      conn.socket.destroy();
    }
    return this.connect();
  }

  /** A new connection, never a pooled one (retries, tunnels). */
  connect(): UpstreamConnection {
    const conn = new UpstreamConnection(net.connect({ host: '127.0.0.1', port: this.port, noDelay: true }), this);
    this.connections.add(conn);
    return conn;
  }

  /** Gives a connection back after its exchange: pooled when it can serve another request, else closed. */
  release(conn: UpstreamConnection, reusable: boolean): void {
    conn.user = null;
    if (!reusable || this.draining || conn.socket.destroyed) {
      conn.socket.destroy();
      return;
    }
    conn.idleSince = Date.now();
    this.idle.push(conn);
    if (this.sweepTimer === undefined) {
      this.sweepTimer = setInterval(() => this.sweep(), IDLE_MS / 2);
      this.sweepTimer.unref();
    }
  }

  /** Called when a connection closed or was detached. */
  forget(conn: UpstreamConnection): void {
    this.connections.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** Counts a request in flight until endRequest (once per startRequest). */
  startRequest(): void {
    this.inflightCount++;
  }

  endRequest(): void {
    this.inflightCount--;
    this.checkDrained();
  }

  /** Tracks a WebSocket (or other upgraded) connection: both sockets of the tunnel. */
  addTunnel(client: Duplex, upstream: Duplex): void {
    const pair = [client, upstream] as const;
    this.tunnels.add(pair);
    const close = () => {
      if (!this.tunnels.delete(pair)) return;
      client.destroy();
      upstream.destroy();
      this.checkDrained();
    };
    client.once('close', close);
    upstream.once('close', close);
  }

  /**
   * Stop reusing connections to this target: idle sockets close now, busy ones close when their
   * response ends; after `drainMs` anything left (long requests, WebSockets) is cut.
   */
  drain(drainMs: number, onDrained?: () => void): void {
    if (this.draining) return;
    this.draining = true;
    this.onDrained = onDrained;
    this.closeIdle();
    this.drainTimer = setTimeout(() => this.close(), drainMs);
    this.drainTimer.unref();
    this.checkDrained();
  }

  /** Cuts everything at once (drain time over, or proxy shutting down). */
  close(): void {
    this.draining = true;
    clearTimeout(this.drainTimer);
    for (const [client, upstream] of this.tunnels) {
      client.destroy();
      upstream.destroy();
    }
    this.closeIdle();
    for (const conn of this.connections) conn.socket.destroy();
    this.finish();
  }

  /** Nothing in flight: no request, no tunnel. */
  private get unused(): boolean {
    return this.inflightCount === 0 && this.tunnels.size === 0;
  }

  status(): UpstreamStatus {
    return { slot: this.slot, targetPort: this.port, inflight: this.inflightCount, websockets: this.tunnels.size };
  }

  private sweep(): void {
    const now = Date.now();
    while (this.idle.length > 0 && now - this.idle[0]!.idleSince >= IDLE_MS) this.idle.shift()!.socket.destroy();
    if (this.idle.length === 0) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
  }

  private closeIdle(): void {
    for (const conn of this.idle.splice(0)) conn.socket.destroy();
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  private checkDrained(): void {
    if (this.draining && this.unused) {
      clearTimeout(this.drainTimer);
      this.closeIdle();
      this.finish();
    }
  }

  private finish(): void {
    const done = this.onDrained;
    this.onDrained = undefined;
    done?.();
  }
}
