/**
 * Durable work with retries and delays: "look at project X's deployment queue", "fail
 * deployment Y if its agent is still away", "retry notification Z". In-process adapter in
 * embedded mode (jobs lost on restart are recovered from the database at boot); BullMQ with
 * REDIS_URL (stalled jobs of a dead instance are taken over by another).
 *
 * Jobs carry ids and wake-ups, not state: the handler re-reads the database.
 */
export type JobData = Record<string, unknown>;

export interface JobOptions {
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** A job with the same id already waiting or delayed is not added twice. */
  jobId?: string;
  /** Total tries including the first (default 1). */
  attempts?: number;
  /** Exponential backoff base between tries (default 1000 ms). */
  backoffMs?: number;
}

export interface Job<T extends JobData = JobData> {
  id: string;
  name: string;
  data: T;
  /** 1 on the first try. */
  attempt: number;
}

/** Thrown by a handler to say: do not retry, whatever `attempts` says. */
export class UnrecoverableJobError extends Error {
  override readonly name = 'UnrecoverableJobError';
}

export interface JobQueue {
  add<T extends JobData>(name: string, data: T, options?: JobOptions): Promise<void>;
  /** Register the handler for jobs called `name`; at most `concurrency` run at once on this instance. */
  process<T extends JobData>(name: string, handler: (job: Job<T>) => Promise<void>, options?: { concurrency?: number }): void;
  /** Stop taking new jobs, wait for running handlers to finish, release connections. */
  close(): Promise<void>;
}
