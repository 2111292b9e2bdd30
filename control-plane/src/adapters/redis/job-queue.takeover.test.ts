import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLogger, waitFor } from '../../../test-support/ports/contract-support.js';
import type { Job } from '../../ports/job-queue.js';
import { RedisJobQueue } from './job-queue.js';
import { STALL_TUNING, TAKEOVER_BOUND_MS } from './stall-tuning.js';
import { deleteKeys, randomPrefix, redisAvailable, TEST_REDIS_URL } from '../../../test-support/redis.js';

const skip = !(await redisAvailable());
const fixture = fileURLToPath(new URL('../../../test-support/fixtures/stall-worker.mjs', import.meta.url));

/** The fixture's stdout lines, as they arrive. */
function startStallWorker(bullPrefix: string, queueName: string): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, [fixture, TEST_REDIS_URL, bullPrefix, queueName, JSON.stringify(STALL_TUNING)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  return { child, lines };
}

describe.skipIf(skip)('BullMQ job queue: an instance killed with -9 mid-job', () => {
  let child: ChildProcess | undefined;
  let survivor: RedisJobQueue | undefined;
  let prefix = '';

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await survivor?.close();
    await deleteKeys(prefix);
  });

  it(`has its job taken over by another instance within the tuned stall window (${TAKEOVER_BOUND_MS} ms)`, async () => {
    prefix = randomPrefix();
    const logger = new RecordingLogger();
    survivor = new RedisJobQueue(TEST_REDIS_URL, prefix, logger);
    const dying = startStallWorker(survivor.bullmqPrefix, 'orchestrate');
    child = dying.child;
    await waitFor('fixture worker ready', () => dying.lines.includes('ready'));

    await survivor.add('orchestrate', { deploymentId: 'd-42' });
    const started = await waitFor('fixture took the job', () => dying.lines.find((line) => line.startsWith('started ')));
    const jobId = started.slice('started '.length);

    // The survivor is already running (as a second instance would be) but idle: the job is held by the fixture.
    const taken: { job: Job; at: number }[] = [];
    survivor.process('orchestrate', async (job) => {
      taken.push({ job, at: Date.now() });
    });

    const killedAt = Date.now();
    child.kill('SIGKILL');
    await waitFor('survivor took the job over', () => taken.length === 1, TAKEOVER_BOUND_MS + 3_000);
    const takeoverMs = taken[0]!.at - killedAt;
    console.info(`BullMQ takeover after kill -9: ${takeoverMs} ms (bound ${TAKEOVER_BOUND_MS} ms)`);

    expect(taken[0]!.job).toMatchObject({ id: jobId, name: 'orchestrate', data: { deploymentId: 'd-42' }, attempt: 1 });
    expect(logger.matching('job failed for good')).toEqual([]);
  });
});
