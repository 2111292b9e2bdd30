import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RecordingLogger, type Cluster } from './ports/contract-support.js';
import type { Logger } from '../src/ports/logger.js';
import { assertRedisReachable } from '../src/adapters/redis/connection.js';

/**
 * The workplace's real Redis; tests isolate themselves by key prefix, never by database number.
 * DEVFLOW_TEST_REDIS_URL points them elsewhere (a loopback port), e.g. to check the skip/fail path.
 */
export const TEST_REDIS_URL = process.env.DEVFLOW_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether the Redis suites can run. Outside CI a missing Redis skips them with a banner
 * nobody can miss; in CI (CI=true) it is a failure, so a broken pipeline never passes green.
 */
export async function redisAvailable(): Promise<boolean> {
  try {
    await assertRedisReachable(TEST_REDIS_URL, 1000);
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    console.warn(
      [
        '',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        `!!! SKIPPING Redis adapter tests: ${error instanceof Error ? error.message : String(error)}`,
        '!!! Start Redis on 127.0.0.1:6379 to run them (in CI they fail instead).',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '',
      ].join('\n'),
    );
    return false;
  }
}

export function randomPrefix(): string {
  return `devflow-test:${randomBytes(6).toString('hex')}`;
}

/** Deletes every key under `prefix` (SCAN, not KEYS, so a busy shared Redis is not blocked). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Instances sharing one random prefix, like control-plane processes of one cluster. */
export function redisCluster<T extends { close(): Promise<void> }>(make: (url: string, prefix: string, logger: Logger) => T): () => Cluster<T> & { prefix: string } {
  return () => {
    const prefix = randomPrefix();
    const open: T[] = [];
    return {
      prefix,
      open: (logger) => {
        const instance = make(TEST_REDIS_URL, prefix, logger ?? new RecordingLogger());
        open.push(instance);
        return instance;
      },
      cleanup: async () => {
        await Promise.all(open.map((instance) => instance.close()));
        await deleteKeys(prefix);
      },
    };
  };
}
