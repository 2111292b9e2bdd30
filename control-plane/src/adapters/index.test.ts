import { afterEach, describe, expect, it } from 'vitest';
import { PortError } from '../ports/errors.js';
import { RecordingLogger, waitFor } from '../../test-support/ports/contract-support.js';
import { createAdapters, type Adapters } from './index.js';
import { deleteKeys, randomPrefix, redisAvailable, TEST_REDIS_URL } from '../../test-support/redis.js';

const redisUp = await redisAvailable();

describe('createAdapters', () => {
  let adapters: Adapters | undefined;
  let prefix = '';
  afterEach(async () => {
    await adapters?.close();
    adapters = undefined;
    if (prefix) await deleteKeys(prefix);
  });

  it('picks the in-process adapters without a Redis URL', async () => {
    adapters = await createAdapters({ prefix: 'devflow', redisUrl: '', logger: new RecordingLogger() });
    expect(adapters.mode).toBe('memory');
    const seen: unknown[] = [];
    await adapters.eventBus.subscribe('t', (event) => seen.push(event));
    adapters.jobQueue.process('ping', async (job) => adapters!.eventBus.publish('t', job.data));
    await adapters.jobQueue.add('ping', { ok: true });
    await waitFor('job published its event', () => seen.length === 1);
    expect(seen).toEqual([{ ok: true }]);
  });

  it.skipIf(!redisUp)('picks BullMQ and ioredis with a Redis URL, and closes everything', async () => {
    prefix = randomPrefix();
    adapters = await createAdapters({ prefix, redisUrl: TEST_REDIS_URL, logger: new RecordingLogger() });
    expect(adapters.mode).toBe('redis');
    const seen: unknown[] = [];
    await adapters.eventBus.subscribe('t', (event) => seen.push(event));
    adapters.jobQueue.process('ping', async (job) => adapters!.eventBus.publish('t', job.data));
    await adapters.jobQueue.add('ping', { ok: true });
    await waitFor('job published its event', () => seen.length === 1);
    await adapters.scheduler.upsert({ id: 'env:1', cron: '0 3 * * *', data: {} });
    expect((await adapters.scheduler.list()).map((s) => s.id)).toEqual(['env:1']);
    await adapters.close();
    await expect(adapters.jobQueue.add('ping', {})).rejects.toSatisfy((error) => error instanceof PortError && error.code === 'closed');
  });

  it('refuses to start when Redis is unreachable, without printing the password', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const attempt = createAdapters({ prefix: 'devflow', redisUrl: 'redis://:hunter2@127.0.0.1:1', logger: new RecordingLogger() });
    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PortError);
    expect((error as PortError).code).toBe('redis_unreachable');
    expect((error as PortError).message).toContain('127.0.0.1:1');
    expect((error as PortError).message).not.toContain('hunter2');
  });
});
