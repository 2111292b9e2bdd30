import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnrecoverableJobError, type Job, type JobQueue } from '../../src/ports/job-queue.js';
import { PortError } from '../../src/ports/errors.js';
import { Gate, RecordingLogger, waitFor, type Cluster, type ContractOptions } from './contract-support.js';

/** What every JobQueue adapter must do. Called from each adapter's test file. */
export function jobQueueContract(options: ContractOptions<JobQueue>): void {
  describe.skipIf(options.skip ?? false)(`JobQueue contract: ${options.name}`, () => {
    let cluster: Cluster<JobQueue>;
    beforeEach(() => {
      cluster = options.cluster();
    });
    afterEach(async () => {
      await cluster.cleanup();
    });

    it('runs a job with its data on the first attempt', async () => {
      const queue = cluster.open();
      const seen: Job[] = [];
      queue.process('deploy', async (job) => {
        seen.push(job);
      });
      await queue.add('deploy', { deploymentId: 'd1', nested: { n: 1 } });
      await waitFor('job ran', () => seen.length === 1);
      expect(seen[0]).toMatchObject({ name: 'deploy', data: { deploymentId: 'd1', nested: { n: 1 } }, attempt: 1 });
      expect(typeof seen[0]?.id).toBe('string');
    });

    it('runs a delayed job no earlier than its delay, after jobs added later without delay', async () => {
      const queue = cluster.open();
      const ran: { key: string; at: number }[] = [];
      queue.process('wake', async (job) => {
        ran.push({ key: String(job.data.key), at: Date.now() });
      });
      const addedAt = Date.now();
      await queue.add('wake', { key: 'delayed' }, { delayMs: 400 });
      await queue.add('wake', { key: 'now' });
      await waitFor('both jobs ran', () => ran.length === 2);
      expect(ran.map((entry) => entry.key)).toEqual(['now', 'delayed']);
      // Lower bound only (a few ms of clock granularity allowed): the delay is the behaviour under test.
      expect(ran[1]!.at - addedAt).toBeGreaterThanOrEqual(390);
    });

    it('adds a job with a waiting jobId once, and again once the first finished', async () => {
      const queue = cluster.open();
      for (let i = 0; i < 3; i++) await queue.add('kick', { i }, { jobId: 'project-1' });
      await queue.add('kick', { other: true }, { jobId: 'project-2' });
      const seen: unknown[] = [];
      queue.process('kick', async (job) => {
        seen.push(job.data);
      });
      await waitFor('two distinct jobs ran', () => seen.length === 2);
      expect(seen).toContainEqual({ i: 0 });
      expect(seen).toContainEqual({ other: true });
      await queue.add('kick', { i: 3 }, { jobId: 'project-1' });
      await waitFor('the re-added job ran', () => seen.length === 3);
      expect(seen[2]).toEqual({ i: 3 });
    });

    it('dedupes delayed jobs by jobId', async () => {
      const queue = cluster.open();
      const seen: unknown[] = [];
      queue.process('timeout', async (job) => {
        seen.push(job.data);
      });
      await queue.add('timeout', { n: 1 }, { jobId: 'd1', delayMs: 150 });
      await queue.add('timeout', { n: 2 }, { jobId: 'd1', delayMs: 150 });
      await queue.add('timeout', { n: 3 }, { jobId: 'other', delayMs: 300 });
      await waitFor('the last delayed job ran', () => seen.some((data) => (data as { n: number }).n === 3));
      expect(seen).toEqual([{ n: 1 }, { n: 3 }]);
    });

    it('keeps the newest add made while a deduplicated job runs, and runs it after, never alongside', async () => {
      const queue = cluster.open();
      const gate = new Gate();
      const seen: unknown[] = [];
      let running = 0;
      let overlapped = false;
      queue.process(
        'kick',
        async (job) => {
          overlapped ||= running > 0;
          running++;
          seen.push(job.data);
          if (seen.length === 1) await gate.promise;
          running--;
        },
        { concurrency: 3 },
      );
      await queue.add('kick', { v: 1 }, { jobId: 'p' });
      await waitFor('first run started', () => seen.length === 1);
      await queue.add('kick', { v: 2 }, { jobId: 'p' });
      await queue.add('kick', { v: 3 }, { jobId: 'p' });
      gate.open();
      await waitFor('follow-up run', () => seen.length === 2);
      await queue.add('kick', { v: 4 }, { jobId: 'marker' });
      await waitFor('marker ran', () => seen.length === 3);
      expect(seen).toEqual([{ v: 1 }, { v: 3 }, { v: 4 }]);
      expect(overlapped).toBe(false);
    });

    it('retries a failing job with exponential backoff', async () => {
      const queue = cluster.open();
      const tries: { attempt: number; at: number }[] = [];
      queue.process('notify', async (job) => {
        tries.push({ attempt: job.attempt, at: Date.now() });
        if (job.attempt < 3) throw new Error(`smtp down (try ${job.attempt})`);
      });
      await queue.add('notify', { id: 'n1' }, { attempts: 3, backoffMs: 100 });
      await waitFor('third try', () => tries.length === 3);
      expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
      expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(90);
      expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(190);
    });

    it('gives up after the last attempt and logs it', async () => {
      const logger = new RecordingLogger();
      const queue = cluster.open(logger);
      let calls = 0;
      queue.process('notify', async () => {
        calls++;
        throw new Error('still down');
      });
      await queue.add('notify', {}, { attempts: 2, backoffMs: 10 });
      const [entry] = await waitFor('final failure logged', () => logger.matching('job failed for good').length === 1 && logger.matching('job failed for good'));
      expect(entry?.fields).toMatchObject({ name: 'notify', attempt: 2, error: 'still down' });
      expect(calls).toBe(2);
      expect(logger.matching('job failed, will retry')).toHaveLength(1);
    });

    it('does not retry after UnrecoverableJobError', async () => {
      const logger = new RecordingLogger();
      const queue = cluster.open(logger);
      let calls = 0;
      queue.process('deploy', async () => {
        calls++;
        throw new UnrecoverableJobError('deployment was cancelled');
      });
      await queue.add('deploy', {}, { attempts: 5, backoffMs: 10 });
      const [entry] = await waitFor('failure logged', () => logger.matching('job failed for good').length === 1 && logger.matching('job failed for good'));
      expect(entry?.fields).toMatchObject({ attempt: 1, error: 'deployment was cancelled' });
      expect(calls).toBe(1);
      expect(logger.matching('job failed, will retry')).toHaveLength(0);
    });

    it('runs at most `concurrency` jobs of a name at once on an instance', async () => {
      const queue = cluster.open();
      const gates = new Map<number, Gate>();
      let running = 0;
      let maxRunning = 0;
      const done: number[] = [];
      queue.process(
        'build',
        async (job) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          const gate = new Gate();
          gates.set(job.data.n as number, gate);
          await gate.promise;
          running--;
          done.push(job.data.n as number);
        },
        { concurrency: 2 },
      );
      for (let n = 0; n < 5; n++) await queue.add('build', { n });
      await waitFor('two jobs running', () => running === 2);
      while (done.length < 5) {
        const finished = done.length;
        const [, gate] = await waitFor('a started job', () => [...gates.entries()].find(([n]) => !done.includes(n)));
        gate.open();
        await waitFor('that job finished', () => done.length === finished + 1);
      }
      expect(maxRunning).toBe(2);
      expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
    });

    it('close() stops taking jobs and waits for running handlers', async () => {
      const queue = cluster.open();
      const gate = new Gate();
      const events: string[] = [];
      queue.process('long', async () => {
        events.push('started');
        await gate.promise;
        events.push('handler finished');
      });
      await queue.add('long', {});
      await waitFor('handler started', () => events.length === 1);
      const closed = queue.close().then(() => events.push('closed'));
      setTimeout(() => gate.open(), 100);
      await closed;
      expect(events).toEqual(['started', 'handler finished', 'closed']);
      await expect(queue.add('long', {})).rejects.toSatisfy((error) => error instanceof PortError && error.code === 'closed');
    });

    it('refuses bad job names and a second handler for one name', async () => {
      const queue = cluster.open();
      await expect(queue.add('has:colon', {})).rejects.toSatisfy((error) => error instanceof PortError && error.code === 'invalid_job_name');
      queue.process('once', async () => {});
      expect(() => queue.process('once', async () => {})).toThrow(expect.objectContaining({ code: 'handler_already_registered' }));
    });

    it.runIf(options.distributed)('runs a job added on one instance on another, each job once', async () => {
      const producer = cluster.open();
      const workerA = cluster.open();
      const workerB = cluster.open();
      const seen: string[] = [];
      for (const [label, queue] of [['a', workerA], ['b', workerB]] as const) {
        queue.process('deploy', async (job) => {
          seen.push(`${String(job.data.n)}@${label}`);
        });
      }
      for (let n = 0; n < 8; n++) await producer.add('deploy', { n });
      await waitFor('8 jobs ran', () => seen.length >= 8);
      const numbers = seen.map((entry) => Number(entry.split('@')[0]));
      expect(numbers.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });
  });
}
