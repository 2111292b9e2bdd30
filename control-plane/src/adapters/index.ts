import type { EventBus } from '../ports/event-bus.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Scheduler } from '../ports/scheduler.js';
import { consoleLogger, type Logger } from '../ports/logger.js';
import { MemoryEventBus } from './memory/event-bus.js';
import { MemoryJobQueue } from './memory/job-queue.js';
import { MemoryScheduler } from './memory/scheduler.js';
import { RedisEventBus } from './redis/event-bus.js';
import { RedisJobQueue } from './redis/job-queue.js';
import { RedisScheduler } from './redis/scheduler.js';
import { assertRedisReachable } from './redis/connection.js';

export interface AdapterOptions {
  /** From REDIS_URL. Set: BullMQ + ioredis (scale-out). Unset: in-process (embedded). */
  redisUrl?: string | undefined;
  /** Namespace for every Redis key and channel, e.g. `devflow`; instances of one cluster share it. */
  prefix: string;
  logger?: Logger;
}

export interface Adapters {
  mode: 'memory' | 'redis';
  eventBus: EventBus;
  jobQueue: JobQueue;
  scheduler: Scheduler;
  /** Scheduler and queue first (they wait for running handlers, which may still publish), then the bus. */
  close(): Promise<void>;
}

/** Picks the adapters for the runtime mode; with Redis, refuses to start when Redis is unreachable. */
export async function createAdapters(options: AdapterOptions): Promise<Adapters> {
  const logger = options.logger ?? consoleLogger;
  if (options.redisUrl === undefined || options.redisUrl === '') {
    return assemble('memory', new MemoryEventBus(logger), new MemoryJobQueue(logger), new MemoryScheduler(logger));
  }
  await assertRedisReachable(options.redisUrl);
  const { redisUrl, prefix } = options;
  return assemble(
    'redis',
    new RedisEventBus(redisUrl, prefix, logger),
    new RedisJobQueue(redisUrl, prefix, logger),
    new RedisScheduler(redisUrl, prefix, logger),
  );
}

function assemble(mode: Adapters['mode'], eventBus: EventBus, jobQueue: JobQueue, scheduler: Scheduler): Adapters {
  let closing: Promise<void> | undefined;
  return {
    mode,
    eventBus,
    jobQueue,
    scheduler,
    close: () =>
      (closing ??= (async () => {
        await Promise.all([scheduler.close(), jobQueue.close()]);
        await eventBus.close();
      })()),
  };
}
