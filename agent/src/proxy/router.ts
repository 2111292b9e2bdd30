import type { Socket } from 'node:net';
import { ProxyError, type RouteRecord, type RouteStatus, type SplitRequest, type SplitResult, type StatsResult, type SwitchRequest, type SwitchResult } from './control-protocol.js';
import { ProxyServer } from './forward.js';
import { endSplit, promoteCanary, splitStats, startSplit } from './route-split.js';
import type { TrafficSplit } from './split.js';
import { Upstream } from './upstream.js';
import { portConflict, routeFor } from './host-routing.js';

export interface Route {
  record: RouteRecord;
  /** Replaced (one assignment) on switch; requests read it when they start. */
  active: Upstream;
  draining: Set<Upstream>;
  /** A canary taking a share of the clients (route-split.ts); null: everything goes to `active`. */
  split: TrafficSplit | null;
  server: ProxyServer | null;
  sockets: Set<Socket>;
  listenError?: string;
}

export interface RouterOptions {
  /** Address the public listeners bind to. */
  host: string;
  log: (line: string) => void;
}

/**
 * The proxy's routes: one listener per public port, forwarding to the active slot of the app the
 * request is for — the one whose host name matches its Host, else the port's default app (host-routing.ts).
 * The listener belongs to one of the port's routes; when that one goes, another takes it over.
 */
export class Router {
  private readonly routes = new Map<string, Route>();
  /** The routes of each public port, what a request looks through for its Host (rebuilt on every change). */
  private byPort = new Map<number, Route[]>();

  constructor(private readonly options: RouterOptions) {}

  /** Restores a persisted route; a port we cannot bind is reported in status, not fatal. */
  async restore(record: RouteRecord): Promise<void> {
    const route: Route = { record, active: new Upstream(record.slot, record.targetPort), draining: new Set(), split: null, server: null, sockets: new Set() };
    if (record.split) startSplit(route, record.split, 0);
    this.routes.set(record.app, route);
    this.reindex();
    if (this.listenerOn(record.listenPort, route)) return;
    try {
      await this.listen(route, record.listenPort);
    } catch (err) {
      route.listenError = (err as Error).message;
      this.options.log(`route ${record.app}: ${route.listenError}`);
    }
  }

  async switch(req: SwitchRequest): Promise<SwitchResult> {
    const existing = this.routes.get(req.app);
    const conflict = portConflict(this.routes.values(), req);
    if (conflict) throw new ProxyError('BAD_REQUEST', conflict);
    const host = req.hostname === undefined ? {} : { hostname: req.hostname };
    if (!existing) {
      const route: Route = { record: { app: req.app, listenPort: req.listenPort, ...host, slot: req.slot, targetPort: req.targetPort, switchedAt: 0 }, active: new Upstream(req.slot, req.targetPort), draining: new Set(), split: null, server: null, sockets: new Set() };
      if (!this.listenerOn(req.listenPort, route)) await this.listen(route, req.listenPort);
      route.record = { ...route.record, switchedAt: Date.now() };
      this.routes.set(req.app, route);
      this.reindex();
      this.options.log(`route ${req.app}: :${req.listenPort} -> ${req.slot} (127.0.0.1:${req.targetPort})`);
      return { route: route.record, previous: null, changed: true };
    }
    if (existing.record.listenPort !== req.listenPort) {
      this.handOver(existing);
      if (!this.listenerOn(req.listenPort, existing)) await this.listen(existing, req.listenPort);
    } else if (existing.server === null && !this.listenerOn(req.listenPort, existing)) await this.listen(existing, req.listenPort);
    const previous = { slot: existing.record.slot, targetPort: existing.record.targetPort };
    // A switch ends a split: to its canary it is the promotion (the canary's connections and WebSockets stay), else the canary drains.
    if (existing.split !== null) {
      const canary = existing.split.canary;
      if (canary.slot === req.slot && canary.port === req.targetPort) {
        promoteCanary(existing, req.drainMs, this.options.log);
        existing.record = { app: req.app, listenPort: req.listenPort, ...host, slot: req.slot, targetPort: req.targetPort, switchedAt: Date.now() };
        this.reindex();
        this.options.log(`route ${req.app}: canary ${req.slot}:${req.targetPort} promoted to all traffic`);
        return { route: existing.record, previous, changed: true };
      }
      endSplit(existing, req.drainMs, this.options.log);
    }
    const { hostname: _old, ...unhosted } = existing.record;
    if (previous.slot === req.slot && previous.targetPort === req.targetPort) {
      existing.record = { ...unhosted, listenPort: req.listenPort, ...host };
      this.reindex();
      return { route: existing.record, previous, changed: false };
    }
    const old = existing.active;
    existing.active = new Upstream(req.slot, req.targetPort);
    existing.record = { app: req.app, listenPort: req.listenPort, ...host, slot: req.slot, targetPort: req.targetPort, switchedAt: Date.now() };
    this.reindex();
    this.options.log(`route ${req.app}: switched ${previous.slot}:${previous.targetPort} -> ${req.slot}:${req.targetPort}`);
    existing.draining.add(old);
    old.drain(req.drainMs, () => {
      existing.draining.delete(old);
      this.options.log(`route ${req.app}: ${old.slot} (127.0.0.1:${old.port}) drained`);
    });
    return { route: existing.record, previous, changed: true };
  }

  /** Starts, re-weights or ends the app's split (see SplitRequest). */
  split(req: SplitRequest): SplitResult {
    const route = this.routes.get(req.app);
    if (!route) throw new ProxyError('BAD_REQUEST', `app ${req.app} has no route: switch it to a slot before splitting its traffic`);
    const previous = splitStats(route);
    if (req.canary === null) {
      if (route.split !== null) {
        endSplit(route, req.drainMs, this.options.log);
        this.options.log(`route ${req.app}: split ended, all traffic to ${route.record.slot}:${route.record.targetPort}`);
      }
      return { route: route.record, previous };
    }
    if (req.canary.slot === route.record.slot || req.canary.targetPort === route.record.targetPort) {
      throw new ProxyError('BAD_REQUEST', `the canary (${req.canary.slot}:${req.canary.targetPort}) must be another slot and port than the baseline the route sends traffic to (${route.record.slot}:${route.record.targetPort})`);
    }
    startSplit(route, { slot: req.canary.slot, targetPort: req.canary.targetPort, weight: req.weight }, req.drainMs, this.options.log);
    this.options.log(`route ${req.app}: ${req.weight}% of clients to canary ${req.canary.slot}:${req.canary.targetPort}, the rest to ${route.record.slot}:${route.record.targetPort}`);
    return { route: route.record, previous };
  }

  stats(app: string): StatsResult {
    const route = this.routes.get(app);
    if (!route) throw new ProxyError('BAD_REQUEST', `app ${app} has no route`);
    return { split: splitStats(route) };
  }

  records(): RouteRecord[] {
    return [...this.routes.values()].map((r) => r.record);
  }

  status(): RouteStatus[] {
    return [...this.routes.values()].map((r) => ({
      ...r.record,
      active: r.active.status(),
      draining: [...r.draining].map((u) => u.status()),
      ...(r.split ? { canary: r.split.canary.status() } : {}),
      ...(r.listenError ? { listenError: r.listenError } : {}),
    }));
  }

  /**
   * Forgets the app's route (the environment leaves blue-green): its public port is free when this
   * returns, so the app can listen there itself; requests in flight finish for up to `drainMs`.
   */
  remove(app: string, drainMs: number): RouteRecord | null {
    const route = this.routes.get(app);
    if (!route) return null;
    this.routes.delete(app);
    this.reindex();
    const heir = this.handOver(route);
    void this.closeRoute(route, drainMs);
    this.options.log(heir ? `route ${app}: removed; :${route.record.listenPort} stays open for ${heir.record.app}` : `route ${app}: removed, :${route.record.listenPort} is free`);
    return route.record;
  }

  /** Stops accepting, lets requests in flight finish for up to `graceMs`, then cuts the rest. */
  async close(graceMs: number): Promise<void> {
    await Promise.all([...this.routes.values()].map((route) => this.closeRoute(route, graceMs)));
  }

  private reindex(): void {
    const byPort = new Map<number, Route[]>();
    for (const route of this.routes.values()) byPort.set(route.record.listenPort, [...(byPort.get(route.record.listenPort) ?? []), route]);
    this.byPort = byPort;
  }

  /** Another route on the same port takes over `route`'s listener and its connections; null when none is left there. */
  private handOver(route: Route): Route | null {
    if (!route.server) return null;
    const heir = [...this.routes.values()].find((r) => r !== route && r.record.listenPort === route.record.listenPort) ?? null;
    if (heir) {
      heir.server = route.server;
      heir.sockets = route.sockets;
      route.server = null;
      route.sockets = new Set();
    }
    return heir;
  }

  /** True when another route already listens on `port` (the request then finds `route` by its host name). */
  private listenerOn(port: number, route: Route): boolean {
    return [...this.routes.values()].some((r) => r !== route && r.server !== null && r.record.listenPort === port);
  }

  private async closeRoute(route: Route, graceMs: number): Promise<void> {
    const server = route.server;
    if (!server) {
      // Sharing another route's listener: only its upstreams go.
      route.active.close();
      for (const u of route.draining) u.close();
      return;
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const s of route.sockets) s.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
    route.active.close();
    route.split?.canary.close();
    for (const u of route.draining) u.close();
  }

  /** Opens the app's listener on `port`; an old listener on another port is closed after. */
  private async listen(route: Route, port: number): Promise<void> {
    // Per request: the port's route for its Host (this route's own when it is the only one there).
    const server = new ProxyServer(
      (request) => {
        const r = routeFor(this.byPort.get(port) ?? [], port, request.host);
        return r === undefined ? null : r.split === null ? r.active : r.split.choose(r.active, request);
      },
      (line) => this.options.log(`route ${route.record.app}: ${line}`),
    );
    server.on('connection', (socket: Socket) => {
      route.sockets.add(socket);
      socket.once('close', () => route.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new ProxyError('LISTEN_FAILED', `cannot listen on ${this.options.host}:${port}: ${err.code ?? err.message}${err.code === 'EADDRINUSE' ? ' (another process uses this port)' : ''}`, { cause: err })),
      );
      server.listen(port, this.options.host, () => resolve());
    });
    const old = route.server;
    route.server = server;
    route.listenError = undefined;
    if (old) {
      old.close();
      old.closeIdleConnections();
    }
  }
}
