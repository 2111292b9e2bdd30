import type { WorkerOptions } from 'bullmq';

/**
 * How fast a job of a dead instance (kill -9, power loss) is taken over. The target
 * is <= 15 s; BullMQ's defaults (30 s lock, 30 s stall check) give up to ~60 s.
 *
 * A running job holds a lock that its worker renews every lockDuration/2. After the worker
 * dies the lock lives at most `lockDuration` more; every `stalledInterval` some live worker
 * checks the active list, and a job it saw there on its previous check whose lock has since
 * expired goes back to wait, where a live worker picks it up at once. Worst case:
 * lockDuration + 2 * stalledInterval = 6 + 2 * 3 = 12 s; typically 5-9 s.
 *
 * The price of short locks: a worker whose event loop stalls for over 3 s (the renewal
 * period), or that loses Redis for over 6 s, loses its job to another worker while it still
 * runs, so the job runs twice. Orchestration handlers await I/O and the deployment engine
 * records progress in the database, so a second run sees the first one's work.
 *
 * maxStalledCount 2: survive two instance deaths in a row (a rolling restart that kills the
 * new owner too), yet a job that itself crashes instances stops after three starts and fails
 * with "job stalled more than allowable limit".
 */
export const STALL_TUNING = {
  lockDuration: 6_000,
  stalledInterval: 3_000,
  maxStalledCount: 2,
} as const satisfies Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'>;

/** Upper bound on takeover after kill -9 with the tuning above (see the reasoning there). */
export const TAKEOVER_BOUND_MS = STALL_TUNING.lockDuration + 2 * STALL_TUNING.stalledInterval;
