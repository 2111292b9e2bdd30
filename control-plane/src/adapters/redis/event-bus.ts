import type { Redis } from 'ioredis';
import type { EventBus, Unsubscribe } from '../../ports/event-bus.js';
import { PortError, toJson } from '../../ports/errors.js';
import { describeError, type Logger } from '../../ports/logger.js';
import { TickBatch } from '../../ports/tick-batch.js';
import { closeRedis, openRedis } from './connection.js';

type Handler = (event: unknown) => void;

/**
 * Scale-out event bus on Redis pub/sub: one publisher and one subscriber connection per
 * instance, channel = `<prefix>:events:<topic>`, JSON payloads. After a dropped connection
 * ioredis re-issues SUBSCRIBE for every channel it had (`autoResubscribe`, on by default and
 * covered by a test), so subscriptions survive a Redis restart; events sent meanwhile are lost.
 */
export class RedisEventBus implements EventBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channels = new Map<string, Set<Handler>>();
  private closed = false;
  /**
   * The PUBLISHes of one event-loop round go out as one pipeline, one write (a reconnect storm
   * publishes two per agent; ioredis's auto-pipelining only gathers within one tick, which is one
   * socket's callback). Batches are sent in order on one connection, so publish order is kept.
   */
  private readonly outgoing = new TickBatch<[channel: string, message: string], void>(async (messages) => {
    const pipeline = this.publisher.pipeline();
    for (const [channel, message] of messages) pipeline.publish(channel, message);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error)?.[0];
    if (failed) throw failed;
    return messages.map(() => undefined);
  });

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.publisher = openRedis(url, `${prefix}:events:pub`, logger);
    // No INFO ready check, no CLIENT SETINFO: ioredis writes a SUBSCRIBE made while it is still
    // connecting at once, and those handshake commands after it were refused ("Connection in
    // subscriber mode"); that reset the connection and lost the subscription (ioredis#2037,
    // fixed in ioredis 6). A control plane restarted into an agent storm subscribes at once.
    this.subscriber = openRedis(url, `${prefix}:events:sub`, logger, { enableReadyCheck: false, disableClientInfo: true });
    this.subscriber.on('message', (channel: string, message: string) => this.deliver(channel, message));
  }

  /** The subscriber connection, so tests can drop it and watch it come back. */
  get subscriberConnection(): Redis {
    return this.subscriber;
  }

  async publish(topic: string, event: unknown): Promise<void> {
    this.assertOpen(topic);
    await this.outgoing.add([this.channel(topic), toJson(topic, event)]);
  }

  async subscribe(topic: string, handler: Handler): Promise<Unsubscribe> {
    this.assertOpen(topic);
    const channel = this.channel(topic);
    let handlers = this.channels.get(channel);
    const first = !handlers;
    if (!handlers) this.channels.set(channel, (handlers = new Set()));
    const entry: Handler = (event) => handler(event);
    handlers.add(entry);
    // Commands on one connection run in order, so a later UNSUBSCRIBE cannot overtake this.
    if (first) await this.subscriber.subscribe(channel);
    return async () => {
      if (!handlers.delete(entry) || handlers.size > 0 || this.channels.get(channel) !== handlers) return;
      this.channels.delete(channel);
      if (!this.closed) await this.subscriber.unsubscribe(channel);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    // Publishes made before close go out first (their batch is written at the end of this round).
    await new Promise<void>((resolve) => setImmediate(resolve));
    await Promise.all([closeRedis(this.publisher), closeRedis(this.subscriber)]);
  }

  private channel(topic: string): string {
    return `${this.prefix}:events:${topic}`;
  }

  private assertOpen(topic: string): void {
    if (this.closed) throw new PortError('closed', `Event bus is closed (topic ${JSON.stringify(topic)}).`);
  }

  private deliver(channel: string, message: string): void {
    const handlers = this.channels.get(channel);
    if (!handlers) return;
    let event: unknown;
    try {
      event = JSON.parse(message);
    } catch (error) {
      // Someone else published non-JSON on our channel: drop it, say so.
      this.logger.warn('dropped non-JSON event', { channel, ...describeError(error) });
      return;
    }
    for (const handler of [...handlers]) {
      try {
        // Each handler its own copy, as in embedded mode.
        handler(handlers.size === 1 ? event : JSON.parse(message));
      } catch (error) {
        this.logger.error('event subscriber threw', { channel, ...describeError(error) });
      }
    }
  }
}
