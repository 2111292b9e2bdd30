import type { EventBus, Unsubscribe } from '../../ports/event-bus.js';

/** Embedded mode: one process, so publish is a synchronous fan-out to local handlers. */
export class MemoryEventBus implements EventBus {
  private readonly topics = new Map<string, Set<(event: unknown) => void>>();

  async publish(topic: string, event: unknown): Promise<void> {
    for (const handler of this.topics.get(topic) ?? []) {
      try {
        handler(event);
      } catch {
        // One broken subscriber must not stop delivery to the others; subscribers log their own errors.
      }
    }
  }

  async subscribe(topic: string, handler: (event: unknown) => void): Promise<Unsubscribe> {
    let handlers = this.topics.get(topic);
    if (!handlers) this.topics.set(topic, (handlers = new Set()));
    handlers.add(handler);
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.topics.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.topics.clear();
  }
}
