import { Queue, UnrecoverableError, Worker, type Job as BullJob, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { UnrecoverableJobError, type Job, type JobData, type JobOptions, type JobQueue } from '../../ports/job-queue.js';
import { assertJobName, PortError } from '../../ports/errors.js';
import { describeError, type Logger } from '../../ports/logger.js';
import { closeRedis, openRedis } from './connection.js';
import { STALL_TUNING } from './stall-tuning.js';

/** Failed jobs stay inspectable for a while (bull-board, redis-cli), then go. */
const KEEP_FAILED = { age: 7 * 24 * 3600, count: 1000 };

/**
 * Scale-out job queue: one BullMQ Queue (and, where this instance handles the name, one
 * Worker) per job name, under the BullMQ prefix `<prefix>:jobs`. At-least-once; see the
 * port for the guarantees and stall-tuning.ts for how fast a dead instance's job moves.
 */
export class RedisJobQueue implements JobQueue {
  private readonly connection: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  private readonly bullPrefix: string;
  private closed = false;

  constructor(
    url: string,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.bullPrefix = `${prefix}:jobs`;
    this.connection = openRedis(url, `${prefix}:jobs`, logger);
  }

  /** BullMQ prefix and connection, for fixtures and tools that need to reach the same queues. */
  get bullmqPrefix(): string {
    return this.bullPrefix;
  }

  async add<T extends JobData>(name: string, data: T, options: JobOptions = {}): Promise<void> {
    assertJobName(name);
    if (this.closed) throw new PortError('closed', `Cannot add job ${JSON.stringify(name)}: the job queue is closed.`);
    await this.queue(name).add(name, data, toBullOptions(options));
  }

  process<T extends JobData>(name: string, handler: (job: Job<T>) => Promise<void>, options: { concurrency?: number } = {}): void {
    assertJobName(name);
    if (this.closed) throw new PortError('closed', `Cannot process job ${JSON.stringify(name)}: the job queue is closed.`);
    if (this.workers.has(name)) {
      throw new PortError('handler_already_registered', `A handler for job ${JSON.stringify(name)} is already registered on this instance.`);
    }
    const worker = new Worker(name, (job: BullJob) => this.run(job, handler as (job: Job) => Promise<void>), {
      connection: this.connection,
      prefix: this.bullPrefix,
      concurrency: Math.max(1, options.concurrency ?? 1),
      ...STALL_TUNING,
      removeOnComplete: { count: 0 },
      removeOnFail: KEEP_FAILED,
    });
    worker.on('failed', (job, error) => {
      // Failures our processor saw are logged there; this catches the rest (stalled too often).
      if (job && error.message.includes('stalled')) this.logger.error('job failed for good', { name, id: job.id, ...describeError(error) });
    });
    worker.on('error', (error) => this.logger.warn('job worker error', { name, ...describeError(error) }));
    this.workers.set(name, worker);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Workers first: close() stops fetching and waits for running handlers to finish.
    await Promise.all([...this.workers.values()].map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await closeRedis(this.connection);
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.bullPrefix });
      queue.on('error', (error) => this.logger.warn('job queue error', { name, ...describeError(error) }));
      this.queues.set(name, queue);
    }
    return queue;
  }

  private async run(job: BullJob, handler: (job: Job) => Promise<void>): Promise<void> {
    const attempt = job.attemptsMade + 1;
    const attempts = job.opts.attempts ?? 1;
    try {
      await handler({ id: String(job.id), name: job.name, data: job.data as JobData, attempt });
    } catch (error) {
      const fields = { name: job.name, id: job.id, attempt, attempts, ...describeError(error) };
      if (error instanceof UnrecoverableJobError) {
        this.logger.error('job failed for good', fields);
        throw new UnrecoverableError(error.message);
      }
      if (attempt < attempts) this.logger.warn('job failed, will retry', fields);
      else this.logger.error('job failed for good', fields);
      throw error;
    }
  }
}

function toBullOptions(options: JobOptions): JobsOptions {
  const attempts = Math.max(1, options.attempts ?? 1);
  return {
    ...(options.delayMs && options.delayMs > 0 ? { delay: options.delayMs } : {}),
    attempts,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
    // keepLastIfActive: an add while the job runs is kept and runs after it (see the port).
    ...(options.jobId === undefined ? {} : { deduplication: { id: options.jobId, keepLastIfActive: true } }),
    removeOnComplete: true,
    removeOnFail: KEEP_FAILED,
  };
}
