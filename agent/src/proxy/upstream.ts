import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { UpstreamStatus } from './control-protocol.js';

/**
 * One target of a route: a slot's port with its own keep-alive pool. A request holds the
 * Upstream it started on, so switching the route's active Upstream never disturbs it; draining
 * only closes what is idle, then whatever remains when the drain time is up.
 */
export class Upstream {
  readonly agent: http.Agent;
  private inflightCount = 0;
  private readonly tunnels = new Set<readonly [Duplex, Duplex]>();
  private draining = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private onDrained: (() => void) | undefined;

  constructor(
    readonly slot: string,
    readonly port: number,
  ) {
    // Free sockets are dropped after 4 s, before Node servers' default 5 s keep-alive timeout,
    // so we rarely reuse a socket the app is closing at that very moment.
    this.agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, timeout: 4_000, scheduling: 'lifo' });
  }

  /** Counts a request in flight; the returned function ends it (safe to call more than once). */
  begin(): () => void {
    this.inflightCount++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inflightCount--;
      this.checkDrained();
    };
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
    this.agent.keepSocketAlive = () => false;
    for (const list of Object.values(this.agent.freeSockets)) for (const socket of list ?? []) socket.destroy();
    this.drainTimer = setTimeout(() => this.close(), drainMs);
    this.drainTimer.unref();
    this.checkDrained();
  }

  /** Cuts everything at once (drain time over, or proxy shutting down). */
  close(): void {
    clearTimeout(this.drainTimer);
    for (const [client, upstream] of this.tunnels) {
      client.destroy();
      upstream.destroy();
    }
    this.agent.destroy();
    this.finish();
  }

  get idle(): boolean {
    return this.inflightCount === 0 && this.tunnels.size === 0;
  }

  status(): UpstreamStatus {
    return { slot: this.slot, targetPort: this.port, inflight: this.inflightCount, websockets: this.tunnels.size };
  }

  private checkDrained(): void {
    if (this.draining && this.idle) {
      clearTimeout(this.drainTimer);
      this.agent.destroy();
      this.finish();
    }
  }

  private finish(): void {
    const done = this.onDrained;
    this.onDrained = undefined;
    done?.();
  }
}
