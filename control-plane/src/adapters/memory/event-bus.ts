import type { EventBus, Unsubscribe } from '../../ports/event-bus.js';
import { toJson } from '../../ports/errors.js';
import { consoleLogger, describeError, type Logger } from '../../ports/logger.js';

/**
 * Embedded mode: one process, so publish is a synchronous fan-out to local handlers.
 * Each handler gets its own JSON copy, as it would through Redis.
 */
export class MemoryEventBus implements EventBus {
  private readonly topics = new Map<string, Set<(event: unknown) => void>>();

  constructor(private readonly logger: Logger = consoleLogger) {}

  async publish(topic: string, event: unknown): Promise<void> {
    const text = toJson(topic, event);
    for (const handler of [...(this.topics.get(topic) ?? [])]) {
      try {
        handler(JSON.parse(text));
      } catch (error) {
        // One broken subscriber must not stop delivery to the others.
        this.logger.error('event subscriber threw', { topic, ...describeError(error) });
      }
    }
  }

  async subscribe(topic: string, handler: (event: unknown) => void): Promise<Unsubscribe> {
    let handlers = this.topics.get(topic);
    if (!handlers) this.topics.set(topic, (handlers = new Set()));
    // Wrapped so the same function subscribed twice gets two deliveries and two unsubscribes.
    const entry = (event: unknown) => handler(event);
    handlers.add(entry);
    return async () => {
      handlers.delete(entry);
      if (handlers.size === 0 && this.topics.get(topic) === handlers) this.topics.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.topics.clear();
  }
}
