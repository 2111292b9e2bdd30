import type { EventBus, Unsubscribe } from '../ports/event-bus.js';
import { SERVERS_TOPIC, type ServerEvent } from '../servers/types.js';
import { deploymentTopic, type DeploymentEvent } from '../events/topics.js';

/** Why a running deployment stops before its steps are done. */
export type StopReason =
  | { kind: 'cancelled'; message: string }
  | { kind: 'timed_out'; message: string }
  | { kind: 'agent_away'; message: string; serverId: string }
  | { kind: 'failed_elsewhere'; message: string }
  /** This instance is shutting down: leave the record `running` for the next boot to resume. */
  | { kind: 'shutdown'; message: string };

export interface WatchOptions {
  deploymentId: string;
  servers: { id: string; name: string; online: boolean }[];
  /** Epoch ms after which the deployment times out. */
  deadline: number;
  agentGraceMs: number;
  bus: EventBus;
  shutdown: AbortSignal;
}

/**
 * Everything that can stop a running deployment, as one AbortSignal with a typed reason:
 * a cancel request (from any instance, via the bus), the overall deadline, an agent offline
 * for longer than the grace period, and shutdown of this instance. `dispose()` clears every
 * timer and subscription.
 */
export class RunWatch {
  private readonly controller = new AbortController();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribes: Unsubscribe[] = [];
  private readonly onShutdown = () => this.stop({ kind: 'shutdown', message: 'control plane shutting down' });

  private constructor(private readonly o: WatchOptions) {}

  static async start(o: WatchOptions): Promise<RunWatch> {
    const w = new RunWatch(o);
    o.shutdown.addEventListener('abort', w.onShutdown, { once: true });
    if (o.shutdown.aborted) w.onShutdown();
    const remaining = o.deadline - Date.now();
    w.timers.set('deadline', setTimeout(() => w.stop({ kind: 'timed_out', message: `the deployment did not finish within its overall timeout` }), Math.max(0, remaining)));
    const names = new Map(o.servers.map((s) => [s.id, s.name]));
    w.unsubscribes.push(
      await o.bus.subscribe(SERVERS_TOPIC, (e) => {
        const event = e as ServerEvent;
        if (event.type !== 'server.status' || !names.has(event.serverId)) return;
        if (event.status === 'online') w.clearAway(event.serverId);
        else w.startAway(event.serverId, names.get(event.serverId) ?? event.serverId);
      }),
      await o.bus.subscribe(deploymentTopic(o.deploymentId), (e) => {
        const event = e as DeploymentEvent;
        if (event.type === 'deployment.cancel') w.stop({ kind: 'cancelled', message: event.reason });
      }),
    );
    for (const s of o.servers) if (!s.online) w.startAway(s.id, s.name);
    return w;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get reason(): StopReason | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as StopReason) : undefined;
  }

  /** A method, not a getter, so TypeScript does not narrow it across awaits. */
  stopKind(): StopReason['kind'] | undefined {
    return this.reason?.kind;
  }

  stop(reason: StopReason): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  private startAway(serverId: string, name: string): void {
    const key = `away:${serverId}`;
    if (this.timers.has(key)) return;
    const seconds = Math.round(this.o.agentGraceMs / 100) / 10;
    this.timers.set(
      key,
      setTimeout(
        () => this.stop({ kind: 'agent_away', serverId, message: `the agent of server "${name}" has been offline for more than ${seconds} s; check that it runs (systemctl status devflow-agent) and can reach the control plane` }),
        this.o.agentGraceMs,
      ),
    );
  }

  private clearAway(serverId: string): void {
    const key = `away:${serverId}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  async dispose(): Promise<void> {
    this.o.shutdown.removeEventListener('abort', this.onShutdown);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.unsubscribes.splice(0).map((u) => u().catch(() => undefined)));
  }
}
