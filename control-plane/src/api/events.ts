import { Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Services } from '../services.js';
import { SERVERS_TOPIC } from '../servers/types.js';
import { DEPLOYMENTS_TOPIC, QUEUE_TOPIC } from '../events/topics.js';
import type { AppEnv } from './env.js';
import { currentUser, requireAuth } from './middleware.js';
import { streamLimiterFor } from './stream-limit.js';

const KEEPALIVE_MS = 15_000;

/**
 * `GET /api/events`: Server-Sent Events for the console: `deployment` (status changes),
 * `queue` (a project's queue changed) and `server` (online/offline, added, removed). Events
 * only say what changed; the console re-reads the API for the record.
 */
export function eventsApi(s: Services) {
  const limiter = streamLimiterFor(s);
  return new Hono<AppEnv>().use('*', requireAuth).get('/', (c) => {
    const release = limiter.acquire(currentUser(c).id);
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (sse) => {
      try {
        await forwardEvents(s.bus, sse);
      } finally {
        release();
      }
    });
  });
}

/** Forward the bus topics to one client until it goes away. */
async function forwardEvents(bus: Services['bus'], sse: SSEStreamingApi): Promise<void> {
  let chain = Promise.resolve();
  const forward = (event: string) => (data: unknown) => {
    chain = chain.then(() => sse.writeSSE({ event, data: JSON.stringify(data) })).catch(() => undefined);
  };
  const unsubscribes = await Promise.all([
    bus.subscribe(DEPLOYMENTS_TOPIC, forward('deployment')),
    bus.subscribe(QUEUE_TOPIC, forward('queue')),
    bus.subscribe(SERVERS_TOPIC, forward('server')),
  ]);
  await sse.writeSSE({ event: 'ready', data: JSON.stringify({ at: Date.now() }) });
  await new Promise<void>((resolve) => {
    const keepalive = setInterval(() => {
      chain = chain.then(() => sse.write(': keep-alive\n\n')).then(() => undefined).catch(() => undefined);
    }, KEEPALIVE_MS);
    const stop = () => {
      clearInterval(keepalive);
      resolve();
    };
    sse.onAbort(stop);
    // The client may have left while we subscribed; onAbort would then never fire.
    if (sse.aborted || sse.closed) stop();
  });
  await Promise.all(unsubscribes.map((u) => u()));
}
