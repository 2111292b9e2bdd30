import { Redis, type RedisOptions } from 'ioredis';
import { PortError } from '../../ports/errors.js';
import { describeError, type Logger } from '../../ports/logger.js';

/**
 * One ioredis connection for one job (publisher, subscriber, BullMQ). Commands wait for
 * Redis to come back instead of failing (`maxRetriesPerRequest: null`, which BullMQ workers
 * require anyway): a deployment that outlives a Redis restart carries on.
 */
export function openRedis(url: string, role: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: `devflow:${role}`,
    // Reconnect quickly but capped: a restarted Redis is back within a second or two.
    retryStrategy: (times) => Math.min(100 * 2 ** times, 2000),
    ...options,
  });
  let lastError = '';
  redis.on('error', (error: unknown) => {
    // ioredis repeats the same error on every retry; log each distinct one once per outage.
    const { error: message } = describeError(error);
    if (message === lastError) return;
    lastError = String(message);
    logger.warn('redis connection error', { role, ...describeError(error) });
  });
  redis.on('ready', () => {
    if (lastError) logger.info('redis connection back', { role });
    lastError = '';
  });
  return redis;
}

/** Close politely (QUIT) and fall back to a hard disconnect when Redis is not there to answer. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    // QUIT failed because the connection already dropped: nothing left to release.
    redis.disconnect();
  }
}

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

/** One PING on a throwaway connection that does not retry: fail fast at boot with a clear reason. */
export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // connect() rejects with a bare "Connection is closed"; the reason (ECONNREFUSED, auth) comes as an event.
  let reason: unknown;
  probe.on('error', (error: unknown) => {
    reason ??= error;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (cause) {
    throw new PortError(
      'redis_unreachable',
      `Cannot reach Redis at ${redactRedisUrl(url)} (${String(describeError(reason ?? cause).error)}). Start Redis or fix REDIS_URL.`,
      { cause: reason ?? cause },
    );
  } finally {
    probe.disconnect();
  }
}
