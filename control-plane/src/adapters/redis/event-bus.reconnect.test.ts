import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLogger, sleep, waitFor } from '../../../test-support/ports/contract-support.js';
import { RedisEventBus } from './event-bus.js';
import { deleteKeys, randomPrefix, redisAvailable, TEST_REDIS_URL } from '../../../test-support/redis.js';

const skip = !(await redisAvailable());

/** Kills one connection by its client name, leaving every other client of the shared Redis alone. */
async function killClientNamed(name: string): Promise<void> {
  const admin = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    const line = list.split('\n').find((entry) => entry.includes(` name=${name} `));
    const id = line?.match(/^id=(\d+)/)?.[1];
    if (!id) throw new Error(`no Redis client named ${name}`);
    await admin.call('CLIENT', 'KILL', 'ID', id);
  } finally {
    admin.disconnect();
  }
}

describe.skipIf(skip)('Redis event bus: the subscriber connection', () => {
  const buses: RedisEventBus[] = [];
  let prefix = '';
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    await deleteKeys(prefix);
  });

  /** A subscribing and a publishing bus under a fresh prefix, closed and cleaned up after the test. */
  const busPair = () => {
    prefix = randomPrefix();
    const logger = new RecordingLogger();
    const subscriber = new RedisEventBus(TEST_REDIS_URL, prefix, logger);
    const publisher = new RedisEventBus(TEST_REDIS_URL, prefix, logger);
    buses.push(subscriber, publisher);
    return { subscriber, publisher, logger };
  };

  it('resubscribes on its own (ioredis autoResubscribe) and delivers again', async () => {
    const { subscriber, publisher } = busPair();
    const seen: unknown[] = [];
    await subscriber.subscribe('deployment:1', (event) => seen.push(event));
    let reconnects = 0;
    subscriber.subscriberConnection.on('reconnecting', () => reconnects++);

    await killClientNamed(`devflow:${prefix}:events:sub`);
    await waitFor('the subscriber noticed the drop', () => reconnects > 0);

    // Pub/sub is at-most-once: events sent while it reconnects are lost, so keep sending.
    let sent = 0;
    await waitFor('an event after the reconnect', () => {
      void publisher.publish('deployment:1', { n: ++sent });
      return seen.length > 0;
    });
    await sleep(50);
    expect(seen.length).toBeGreaterThan(0);
    expect(subscriber.subscriberConnection.status).toBe('ready');
  });

  // ioredis 5.8.2+ writes a SUBSCRIBE made while it is still connecting straight away; its INFO
  // ready check after it was then refused ("Connection in subscriber mode"), the connection
  // started over, and a control plane restarted into a reconnect storm never finished starting.
  it('subscribes while the connection is still being set up, without breaking it', async () => {
    const { subscriber, publisher, logger } = busPair();
    const seen: unknown[] = [];
    const subscribed = new Promise<unknown>((resolve) =>
      subscriber.subscriberConnection.once('connect', () => resolve(subscriber.subscribe('servers', (event) => seen.push(event)))),
    );
    await subscribed;
    await waitFor('the subscriber connection ready', () => subscriber.subscriberConnection.status === 'ready');
    await publisher.publish('servers', { n: 1 });
    await waitFor('the event', () => seen.length > 0);
    expect(logger.matching('redis connection error')).toEqual([]);
  });

  it('keeps publish order, and publishes made just before close still go out', async () => {
    prefix = randomPrefix();
    const subscriber = new RedisEventBus(TEST_REDIS_URL, prefix, new RecordingLogger());
    const publisher = new RedisEventBus(TEST_REDIS_URL, prefix, new RecordingLogger());
    buses.push(subscriber);
    const seen: unknown[] = [];
    await subscriber.subscribe('servers', (event) => seen.push(event));
    await publisher.publish('servers', { n: 0 }); // connected
    const sent = [1, 2, 3].map((n) => publisher.publish('servers', { n }));
    await publisher.close();
    await Promise.all(sent);
    await waitFor('all four events', () => seen.length === 4);
    expect(seen).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
  });
});
