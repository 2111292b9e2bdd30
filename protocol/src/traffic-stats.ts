import { z } from 'zod';

/**
 * What the traffic proxy counts per slot of a split route (canary and baseline), and how a window
 * is read from two readings. Counters are cumulative since the split began, so the one who judges
 * (the control plane) subtracts two snapshots; the proxy keeps no windows and no samples.
 * Latency is the time from sending the request head to the app until its response head came back,
 * in a log-scale histogram whose buckets are 5% wide.
 */

const BASE_MS = 0.05;
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
/** 0.05 ms * 1.05^330 ≈ 500 s: the last bucket takes anything slower. */
export const LATENCY_BUCKETS = 331;

/** Bucket i holds latencies in [BASE * GROWTH^i, BASE * GROWTH^(i+1)) ms; bucket 0 also everything below. */
export const latencyBucket = (ms: number): number =>
  ms <= BASE_MS ? 0 : Math.min(LATENCY_BUCKETS - 1, Math.floor(Math.log(ms / BASE_MS) / LOG_GROWTH));
/** The upper edge of bucket i: a percentile read from buckets errs at most one bucket (5%) high. */
export const latencyBucketUpperMs = (i: number): number => BASE_MS * GROWTH ** (i + 1);

const Count = z.number().int().nonnegative();

export const SlotStatsSnapshot = z
  .object({
    /** Responses relayed (any status) plus the proxy's own 502s. */
    requests: Count,
    /** Responses with status 500-599 sent by the app. */
    errors5xx: Count,
    /** Requests the proxy answered 502 itself: the slot refused, reset or sent garbage. */
    connectionErrors: Count,
    /** Sparse latency histogram: [bucket index, count] pairs, ascending. */
    latency: z.array(z.tuple([z.number().int().min(0).max(LATENCY_BUCKETS - 1), Count])).max(LATENCY_BUCKETS),
  })
  .strict();
export type SlotStatsSnapshot = z.infer<typeof SlotStatsSnapshot>;

export const EMPTY_SLOT_STATS: SlotStatsSnapshot = { requests: 0, errors5xx: 0, connectionErrors: 0, latency: [] };

/** One slot over one window: what a canary analysis compares. */
export interface SlotWindow {
  requests: number;
  errors5xx: number;
  connectionErrors: number;
  /** (5xx + connection errors) / requests, 0..1; 0 without requests. */
  errorRate: number;
  /** Null without requests. */
  p95Ms: number | null;
  p99Ms: number | null;
}

/** What traffic.split and traffic.stats report in `output.split`: the counters of both slots since the split began. */
export const SplitStatsOutput = z
  .object({
    weight: z.number(),
    since: z.number().int(),
    baseline: z.object({ slot: z.string(), targetPort: z.number().int(), stats: SlotStatsSnapshot }).strict(),
    canary: z.object({ slot: z.string(), targetPort: z.number().int(), stats: SlotStatsSnapshot }).strict(),
  })
  .strict();
export type SplitStatsOutput = z.infer<typeof SplitStatsOutput>;

function percentile(buckets: Map<number, number>, total: number, q: number): number | null {
  if (total === 0) return null;
  const rank = Math.ceil(total * q);
  let seen = 0;
  for (const [i, n] of [...buckets].sort((a, b) => a[0] - b[0])) {
    seen += n;
    if (seen >= rank) return Math.round(latencyBucketUpperMs(i) * 1000) / 1000;
  }
  return null;
}

/**
 * The counts between two readings of the same slot. A counter that went down means the proxy
 * restarted (or the split was set again) between them: the later reading is then the whole delta.
 */
export function snapshotDelta(before: SlotStatsSnapshot | null, after: SlotStatsSnapshot): SlotStatsSnapshot {
  const reset = before === null || after.requests < before.requests;
  if (reset) return after;
  const buckets = new Map<number, number>(after.latency);
  for (const [i, n] of before.latency) buckets.set(i, (buckets.get(i) ?? 0) - n);
  return {
    requests: after.requests - before.requests,
    errors5xx: after.errors5xx - before.errors5xx,
    connectionErrors: after.connectionErrors - before.connectionErrors,
    latency: [...buckets].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]),
  };
}

/** Counts of several servers added up (their histograms share the buckets, so percentiles stay exact to a bucket). */
export function sumSnapshots(parts: readonly SlotStatsSnapshot[]): SlotStatsSnapshot {
  const buckets = new Map<number, number>();
  let requests = 0;
  let errors5xx = 0;
  let connectionErrors = 0;
  for (const p of parts) {
    requests += p.requests;
    errors5xx += p.errors5xx;
    connectionErrors += p.connectionErrors;
    for (const [i, n] of p.latency) buckets.set(i, (buckets.get(i) ?? 0) + n);
  }
  return { requests, errors5xx, connectionErrors, latency: [...buckets].sort((a, b) => a[0] - b[0]) };
}

/** A delta of counts read as rates and percentiles. */
export function windowOf(delta: SlotStatsSnapshot): SlotWindow {
  const buckets = new Map<number, number>(delta.latency);
  let latencyCount = 0;
  for (const [, n] of buckets) latencyCount += n;
  const { requests, errors5xx, connectionErrors } = delta;
  return {
    requests,
    errors5xx,
    connectionErrors,
    errorRate: requests === 0 ? 0 : (errors5xx + connectionErrors) / requests,
    p95Ms: percentile(buckets, latencyCount, 0.95),
    p99Ms: percentile(buckets, latencyCount, 0.99),
  };
}

/** The window between two readings of the same slot (see snapshotDelta). */
export function slotWindow(before: SlotStatsSnapshot | null, after: SlotStatsSnapshot): SlotWindow {
  return windowOf(snapshotDelta(before, after));
}

/** A canary's share of the clients in percent, to two decimals (the proxy splits in 10,000 buckets). */
export const SplitWeight = z
  .number()
  .min(0)
  .max(100)
  .refine((w) => Math.abs(w * 100 - Math.round(w * 100)) < 1e-6, 'weight: a percent with at most two decimals');
