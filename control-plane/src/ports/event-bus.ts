/**
 * Cross-instance publish/subscribe for things that happen: deployment status, log lines,
 * server online/offline, and commands for an agent connected to another instance.
 * In-process adapter in embedded mode; ioredis pub/sub with REDIS_URL.
 *
 * Guarantees (both adapters):
 * - At-most-once, best effort: the database is the record of truth, events only wake up
 *   readers (a browser that misses an event re-reads the API). With Redis, events published
 *   while a subscriber's connection is down are lost; the subscription itself comes back.
 * - Events from one publisher on one topic arrive in publish order. No order across
 *   publishers or instances.
 * - Every subscriber receives its own JSON copy (a Date arrives as an ISO string), in
 *   embedded mode too, so code that works embedded works scaled out. Non-JSON events are
 *   rejected with `PortError('event_not_json')`.
 * - A publisher's own subscribers receive its events (a topic is not per instance).
 */
export type Unsubscribe = () => Promise<void>;

export interface EventBus {
  /** Publish a JSON-serialisable event on a topic, e.g. `deployment:<id>`, `servers`, `agent-commands`. */
  publish(topic: string, event: unknown): Promise<void>;
  /** Receive every event published on `topic` (by any instance) after the returned promise resolves. */
  subscribe(topic: string, handler: (event: unknown) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}
