import { UnrecoverableJobError, type Job, type JobData, type JobOptions, type JobQueue } from '../../ports/job-queue.js';
import { assertJobName, PortError } from '../../ports/errors.js';
import { consoleLogger, describeError, type Logger } from '../../ports/logger.js';

type Handler = (job: Job) => Promise<void>;

interface Entry {
  id: string;
  name: string;
  data: JobData;
  attempt: number;
  attempts: number;
  backoffMs: number;
  dedupeKey: string | undefined;
}

/** A deduplicated job: pending until it runs; `next` holds the newest add made while it ran. */
interface Dedupe {
  running: boolean;
  next?: { data: JobData; options: JobOptions };
}

interface Lane {
  handler: Handler | undefined;
  concurrency: number;
  running: number;
  ready: Entry[];
}

/**
 * Embedded mode: jobs live in this process only (the database is replayed at boot).
 * Semantics mirror the BullMQ adapter so the engine cannot tell them apart in tests.
 */
export class MemoryJobQueue implements JobQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly dedupe = new Map<string, Dedupe>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly active = new Set<Promise<void>>();
  private sequence = 0;
  private closed = false;

  constructor(private readonly logger: Logger = consoleLogger) {}

  async add<T extends JobData>(name: string, data: T, options: JobOptions = {}): Promise<void> {
    assertJobName(name);
    if (this.closed) throw new PortError('closed', `Cannot add job ${JSON.stringify(name)}: the job queue is closed.`);
    const dedupeKey = options.jobId === undefined ? undefined : `${name}\u0000${options.jobId}`;
    if (dedupeKey !== undefined) {
      const existing = this.dedupe.get(dedupeKey);
      if (existing?.running) existing.next = { data, options };
      if (existing) return;
      this.dedupe.set(dedupeKey, { running: false });
    }
    const entry: Entry = {
      id: String(++this.sequence),
      name,
      // A copy, as Redis would store it: later mutations by the caller do not leak in.
      data: structuredClone(data),
      attempt: 1,
      attempts: Math.max(1, options.attempts ?? 1),
      backoffMs: options.backoffMs ?? 1000,
      dedupeKey,
    };
    this.enqueueAfter(entry, options.delayMs ?? 0);
  }

  process<T extends JobData>(name: string, handler: (job: Job<T>) => Promise<void>, options: { concurrency?: number } = {}): void {
    assertJobName(name);
    if (this.closed) throw new PortError('closed', `Cannot process job ${JSON.stringify(name)}: the job queue is closed.`);
    const lane = this.lane(name);
    if (lane.handler) throw new PortError('handler_already_registered', `A handler for job ${JSON.stringify(name)} is already registered on this instance.`);
    lane.handler = handler as Handler;
    lane.concurrency = Math.max(1, options.concurrency ?? 1);
    this.pump(name);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const lane of this.lanes.values()) lane.ready.length = 0;
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
  }

  private lane(name: string): Lane {
    let lane = this.lanes.get(name);
    if (!lane) this.lanes.set(name, (lane = { handler: undefined, concurrency: 1, running: 0, ready: [] }));
    return lane;
  }

  private enqueueAfter(entry: Entry, delayMs: number): void {
    if (delayMs <= 0) return this.enqueue(entry);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(entry);
    }, delayMs);
    this.timers.add(timer);
  }

  private enqueue(entry: Entry): void {
    if (this.closed) return;
    this.lane(entry.name).ready.push(entry);
    this.pump(entry.name);
  }

  private pump(name: string): void {
    const lane = this.lane(name);
    while (!this.closed && lane.handler && lane.running < lane.concurrency) {
      const entry = lane.ready.shift();
      if (!entry) return;
      lane.running++;
      const run = this.run(entry, lane.handler).finally(() => {
        lane.running--;
        this.active.delete(run);
        this.pump(name);
      });
      this.active.add(run);
    }
  }

  private async run(entry: Entry, handler: Handler): Promise<void> {
    const dedupe = entry.dedupeKey === undefined ? undefined : this.dedupe.get(entry.dedupeKey);
    if (dedupe) dedupe.running = true;
    try {
      await handler({ id: entry.id, name: entry.name, data: structuredClone(entry.data), attempt: entry.attempt });
    } catch (error) {
      const fields = { name: entry.name, id: entry.id, attempt: entry.attempt, attempts: entry.attempts, ...describeError(error) };
      if (!(error instanceof UnrecoverableJobError) && entry.attempt < entry.attempts && !this.closed) {
        this.logger.warn('job failed, will retry', fields);
        if (dedupe) dedupe.running = false;
        const delay = entry.backoffMs * 2 ** (entry.attempt - 1);
        entry.attempt++;
        this.enqueueAfter(entry, delay);
        return;
      }
      this.logger.error('job failed for good', fields);
    }
    this.finish(entry);
  }

  /** Frees the dedupe key and, if an add arrived mid-run, queues that one now. */
  private finish(entry: Entry): void {
    if (entry.dedupeKey === undefined) return;
    const next = this.dedupe.get(entry.dedupeKey)?.next;
    this.dedupe.delete(entry.dedupeKey);
    if (next && !this.closed) {
      this.add(entry.name, next.data, next.options).catch((error: unknown) => this.logger.error('re-adding deduplicated job failed', describeError(error)));
    }
  }
}
