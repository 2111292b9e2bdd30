/**
 * Cross-instance publish/subscribe for things that happen: deployment status, log lines,
 * server online/offline, and commands for an agent connected to another instance.
 * In-process adapter in embedded mode; ioredis pub/sub with REDIS_URL.
 *
 * Delivery is at-most-once and best effort: the database is the record of truth, events
 * only wake up readers (a browser that misses an event re-reads the API).
 */
export type Unsubscribe = () => Promise<void>;

export interface EventBus {
  /** Publish a JSON-serialisable event on a topic, e.g. `deployment:<id>`, `servers`, `agent:<id>`. */
  publish(topic: string, event: unknown): Promise<void>;
  /** Receive every event published on `topic` (by any instance) after the returned promise resolves. */
  subscribe(topic: string, handler: (event: unknown) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}
