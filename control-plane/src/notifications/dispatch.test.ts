import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../adapters/memory/event-bus.js';
import { MemoryJobQueue } from '../adapters/memory/job-queue.js';
import { RedisEventBus } from '../adapters/redis/event-bus.js';
import { RedisJobQueue } from '../adapters/redis/job-queue.js';
import { deleteKeys, randomPrefix, redisAvailable, TEST_REDIS_URL } from '../../test-support/redis.js';
import { newId } from '../crypto/random.js';
import type { DeploymentStatus } from '../deployments/types.js';
import { DEPLOYMENTS_TOPIC } from '../events/topics.js';
import { createLogger } from '../logger.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobQueue } from '../ports/job-queue.js';
import { startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { DeliveryStore } from './deliveries.js';
import { createNotifications, type Notifications } from './index.js';
import { slackCheck, signatureCheck } from '../../test-support/notifications/provider-checks.js';
import { HttpReceiver } from '../../test-support/notifications/receivers.js';

/**
 * Dispatch from bus events to channels, against the real database of a control plane. Each
 * test builds its own "instances" (bus + job queue + dispatcher) on that database, with a
 * short backoff, so retries and several instances can be exercised.
 */
let cp: TestControlPlane;
let slack: HttpReceiver;
let hook: HttpReceiver;
let prodId: string;
let stagingId: string;
let projectId: string;
const SECRET = 'a-webhook-secret-of-some-length';
const logger = createLogger('silent');
const instances: { n: Notifications; jobs: JobQueue; bus: EventBus }[] = [];

beforeAll(async () => {
  [slack, hook] = await Promise.all([HttpReceiver.start(slackCheck), HttpReceiver.start(signatureCheck(SECRET))]);
  cp = await startTestControlPlane();
  projectId = (await cp.services.projects.create('system', { name: 'shop', repositoryUrl: '/srv/git/shop', preset: 'node', defaultBranch: 'main' })).id;
  prodId = (await cp.services.environments.create('system', 'shop', { name: 'production', serverIds: [] })).id;
  stagingId = (await cp.services.environments.create('system', 'shop', { name: 'staging', serverIds: [] })).id;
  const n = cp.services.notifications;
  await n.create('system', 'shop', { name: 'prod slack', channel: { type: 'slack', webhookUrl: slack.url('/services/T/B/x') }, rules: [{ events: ['deployment.failed', 'deployment.succeeded', 'deployment.rolled_back'], environments: ['production'] }] });
  await n.create('system', 'shop', { name: 'hook', channel: { type: 'webhook', url: hook.url(), secret: SECRET }, rules: [{ events: ['deployment.started'] }] });
});
afterEach(async () => {
  for (const i of instances.splice(0)) {
    await i.n.dispatcher.stop();
    await i.jobs.close();
    await i.bus.close();
  }
  slack.requests.length = 0;
  hook.requests.length = 0;
});
afterAll(async () => {
  await cp?.dispose();
  await Promise.all([slack?.close(), hook?.close()]);
});

async function instance(bus: EventBus, jobs: JobQueue): Promise<Notifications> {
  const s = cp.services;
  const n = createNotifications({
    db: s.db, box: s.box, bus, jobs, audit: s.audit, users: s.users, projects: s.projects, environments: s.environments,
    deployments: s.engine.store, smtp: undefined, outbound: s.outbound, publicUrl: 'https://devflow.example.com', logger, backoffMs: 10,
  });
  instances.push({ n, jobs, bus });
  await n.dispatcher.start();
  return n;
}

async function deployment(environmentId: string, kind: 'deploy' | 'rollback' = 'deploy'): Promise<string> {
  const id = newId('dep');
  await cp.services.engine.store.insert({
    id, projectId, environmentId, kind, trigger: 'manual', userId: null, branch: 'main',
    commit: { sha: 'abcdef0123456789abcdef0123456789abcdef01', message: 'Fix checkout', author: 'Ada' }, options: {}, status: 'queued',
  });
  return id;
}

const statusEvent = (deploymentId: string, environmentId: string, status: DeploymentStatus) =>
  ({ type: 'deployment.status', deploymentId, projectId, environmentId, status, reason: null, at: Date.now() }) as const;

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const deliveries = (deploymentId: string) => cp.services.notifications.deliveries('shop', { deploymentId });
const settled = (deploymentId: string, count: number) =>
  waitFor(`${count} deliveries of ${deploymentId} settled`, async () => {
    const list = await deliveries(deploymentId);
    return list.length === count && list.every((d) => d.status === 'sent' || d.status === 'failed') ? list : undefined;
  });

describe('dispatch', () => {
  it('routes each event to the channels whose rules match event and environment', async () => {
    const bus = new MemoryEventBus(logger);
    await instance(bus, new MemoryJobQueue(logger));
    const prod = await deployment(prodId);
    const staging = await deployment(stagingId);
    await bus.publish(DEPLOYMENTS_TOPIC, statusEvent(prod, prodId, 'running'));
    await bus.publish(DEPLOYMENTS_TOPIC, statusEvent(staging, stagingId, 'running'));
    await bus.publish(DEPLOYMENTS_TOPIC, statusEvent(staging, stagingId, 'failed'));
    await bus.publish(DEPLOYMENTS_TOPIC, statusEvent(prod, prodId, 'succeeded'));
    await bus.publish(DEPLOYMENTS_TOPIC, { type: 'deployment.step', deploymentId: prod });
    await settled(prod, 2);
    await settled(staging, 1);
    // Started went to the webhook (all environments) for both; the staging failure to nobody.
    expect(hook.requests.map((r) => JSON.parse(r.body).deployment.environment).sort()).toEqual(['production', 'staging']);
    expect(hook.requests.every((r) => r.headers['x-devflow-event'] === 'deployment.started')).toBe(true);
    expect(slack.requests.map((r) => JSON.parse(r.body).text)).toEqual(['Deployed shop to production (abcdef0)']);
    expect(JSON.parse(slack.requests[0]?.body ?? '').attachments[0].blocks[0].text.text).toContain('https://devflow.example.com/deployments/' + prod);
    const history = await deliveries(prod);
    expect(history.map((d) => [d.event, d.channel, d.status, d.attempts]).sort()).toEqual([
      ['deployment.started', 'webhook', 'sent', 1],
      ['deployment.succeeded', 'slack', 'sent', 1],
    ]);
  });

  it('a successful rollback notifies "rolled back"', async () => {
    const bus = new MemoryEventBus(logger);
    await instance(bus, new MemoryJobQueue(logger));
    const rb = await deployment(prodId, 'rollback');
    await bus.publish(DEPLOYMENTS_TOPIC, statusEvent(rb, prodId, 'succeeded'));
    const [d] = await settled(rb, 1);
    expect(d?.event).toBe('deployment.rolled_back');
    expect(JSON.parse(slack.requests[0]?.body ?? '').text).toBe('Rolled back shop on production to abcdef0');
  });

  it('retries with backoff while the provider answers 500, then records the attempts', async () => {
    const bus = new MemoryEventBus(logger);
    await instance(bus, new MemoryJobQueue(logger));
    const dep = await deployment(prodId);
    slack.failNext(2, 500, 'internal_error');
    await bus.publish(DEPLOYMENTS_TOPIC, statusEvent(dep, prodId, 'failed'));
    const [d] = await settled(dep, 1);
    expect(d).toMatchObject({ status: 'sent', attempts: 3, lastError: null, responseStatus: 200 });
    expect(slack.requests).toHaveLength(3);
  });

  it('gives up after 5 tries, and at once on an answer a retry cannot fix', async () => {
    const bus = new MemoryEventBus(logger);
    await instance(bus, new MemoryJobQueue(logger));
    const dep = await deployment(prodId);
    slack.failNext(5, 502, 'bad gateway');
    await bus.publish(DEPLOYMENTS_TOPIC, statusEvent(dep, prodId, 'failed'));
    const [d] = await settled(dep, 1);
    expect(d).toMatchObject({ status: 'failed', attempts: 5, responseStatus: 502 });
    expect(d?.lastError).toMatch(/answered 502$/);

    const gone = await deployment(prodId);
    slack.failNext(1, 404, 'no_service');
    await bus.publish(DEPLOYMENTS_TOPIC, statusEvent(gone, prodId, 'failed'));
    expect((await settled(gone, 1))[0]).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 404 });
    expect(slack.requests).toHaveLength(6);
  });

  it('re-queues deliveries left open by a restart', async () => {
    const dep = await deployment(prodId);
    const notificationId = (await cp.services.notifications.list('shop')).find((n) => n.name === 'prod slack')?.id ?? '';
    // What a process that died between claiming and sending leaves behind.
    await new DeliveryStore(cp.services.db).claim({ notificationId, projectId, deploymentId: dep, event: 'deployment.failed' });
    await instance(new MemoryEventBus(logger), new MemoryJobQueue(logger));
    expect((await settled(dep, 1))[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(slack.requests).toHaveLength(1);
  });

  it('two instances (memory queues) that both see the event, twice, send once', async () => {
    const bus = new MemoryEventBus(logger);
    const [a, b] = [await instance(bus, new MemoryJobQueue(logger)), await instance(bus, new MemoryJobQueue(logger))];
    const dep = await deployment(prodId);
    const event = statusEvent(dep, prodId, 'failed');
    // Straight calls, racing: exactly one claims the delivery.
    expect((await Promise.all([a.dispatcher.dispatch(event), b.dispatcher.dispatch(event)])).sort()).toEqual([0, 1]);
    await settled(dep, 1);
    // Through the bus, twice more: both instances receive both events; nothing new is queued.
    await bus.publish(DEPLOYMENTS_TOPIC, event);
    await bus.publish(DEPLOYMENTS_TOPIC, event);
    for (const i of instances) await i.n.dispatcher.stop();
    for (const i of instances) await i.jobs.close();
    expect(slack.requests).toHaveLength(1);
    expect(await deliveries(dep)).toHaveLength(1);
  });
});

describe.runIf(await redisAvailable())('dispatch scaled out (Redis bus and BullMQ queue)', () => {
  const prefix = randomPrefix();
  afterAll(() => deleteKeys(prefix));

  it('two instances on one Redis send once, and retry across the cluster', async () => {
    const open = () => instance(new RedisEventBus(TEST_REDIS_URL, prefix, logger), new RedisJobQueue(TEST_REDIS_URL, prefix, logger));
    await open();
    await open();
    const dep = await deployment(prodId);
    slack.failNext(1, 503, 'slow down');
    const publisher = instances[0]?.bus;
    await publisher?.publish(DEPLOYMENTS_TOPIC, statusEvent(dep, prodId, 'failed'));
    await publisher?.publish(DEPLOYMENTS_TOPIC, statusEvent(dep, prodId, 'failed'));
    const [d] = await settled(dep, 1);
    expect(d).toMatchObject({ status: 'sent', attempts: 2 });
    expect(slack.requests).toHaveLength(2);
    expect(slack.requests.filter((r) => r.body.includes('failed'))).toHaveLength(2);
  });
});
