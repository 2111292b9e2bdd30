/**
 * Durable work with retries and delays: "look at project X's deployment queue", "fail
 * deployment Y if its agent is still away", "retry notification Z". In-process adapter in
 * embedded mode (jobs lost on restart are recovered from the database at boot); BullMQ with
 * REDIS_URL (stalled jobs of a dead instance are taken over by another).
 *
 * Jobs carry ids and wake-ups, not state: the handler re-reads the database.
 *
 * Guarantees:
 * - Memory: at-most-once across restarts (waiting/delayed jobs die with the process),
 *   exactly one try per attempt while it lives. FIFO per name for jobs that are ready.
 * - Redis (BullMQ): at-least-once. A job whose instance dies mid-run (kill -9, lost Redis
 *   lock) runs again elsewhere, so handlers must be idempotent (check the database first).
 *   Roughly FIFO per name; with concurrency > 1 or several instances, jobs overlap.
 * - Both: a job with a `jobId` never runs twice at the same time (see `JobOptions.jobId`).
 */
export type JobData = Record<string, unknown>;

export interface JobOptions {
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /**
   * Deduplication key, per job name. While a job with this key waits, is delayed, or waits
   * for a retry, adding another is a no-op. While it runs, the newest add is kept and runs
   * once after it finishes (so a wake-up arriving mid-run is never lost). Once it finished
   * or failed for good, the key is free. (BullMQ: `deduplication` with `keepLastIfActive`.)
   * Not the `Job.id` the handler sees.
   */
  jobId?: string;
  /** Total tries including the first (default 1). */
  attempts?: number;
  /** Exponential backoff base between tries (default 1000 ms): waits base, 2*base, 4*base... */
  backoffMs?: number;
}

export interface Job<T extends JobData = JobData> {
  /** Unique per added job (not the dedupe `jobId`). */
  id: string;
  name: string;
  data: T;
  /** 1 on the first try; counts failed tries, not restarts after a crash. */
  attempt: number;
}

/** Thrown by a handler to say: do not retry, whatever `attempts` says. */
export class UnrecoverableJobError extends Error {
  override readonly name = 'UnrecoverableJobError';
}

export interface JobQueue {
  /** Job names: letters, digits, `.`, `_`, `-` (they become queue names); others throw `PortError`. */
  add<T extends JobData>(name: string, data: T, options?: JobOptions): Promise<void>;
  /**
   * Register the handler for jobs called `name`; at most `concurrency` (default 1) run at
   * once on this instance. One handler per name per instance. A job that failed for good
   * is logged by the adapter's logger.
   */
  process<T extends JobData>(name: string, handler: (job: Job<T>) => Promise<void>, options?: { concurrency?: number }): void;
  /** Stop taking new jobs, wait for running handlers to finish, release connections. */
  close(): Promise<void>;
}
