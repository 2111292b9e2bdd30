import type { SlotWindow } from '@devflow/protocol';

/** What a canary is judged by (an environment's `canary` settings, resolved). */
export interface CanaryThresholds {
  /** Requests each slot needs in the window before it is judged. */
  minRequests: number;
  /** Fraction the canary's error rate may exceed the baseline's (0.01 = one percentage point). */
  maxErrorRateIncrease: number;
  /** How many times the baseline's p99 the canary's may be. */
  maxP99Ratio: number;
  /** A p99 difference below this is never a failure. */
  latencyToleranceMs: number;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface Judgement {
  verdict: Verdict;
  /** Why, in the words a person reads in the log, the history and the failure reason. */
  reasons: string[];
  canary: SlotWindow;
  baseline: SlotWindow;
}

const pct = (rate: number): string => `${(rate * 100).toFixed(2)}%`;
const ms = (v: number | null): string => (v === null ? 'n/a' : `${v} ms`);

/** "canary 49/500 errors (9.80%), p99 1.2 ms; baseline 0/4500 (0.00%), p99 0.9 ms": both slots' figures in one line. */
export function describeWindows(canary: SlotWindow, baseline: SlotWindow): string {
  const side = (name: string, w: SlotWindow) =>
    `${name} ${w.errors5xx + w.connectionErrors}/${w.requests} errors (${pct(w.errorRate)}${w.connectionErrors ? `, ${w.connectionErrors} connection errors` : ''}), p95 ${ms(w.p95Ms)}, p99 ${ms(w.p99Ms)}`;
  return `${side('canary', canary)}; ${side('baseline', baseline)}`;
}

/**
 * Canary against baseline over the same window, from the proxy's counters alone. Too few requests
 * on either side is inconclusive (the caller waits for more); otherwise the canary fails when its
 * error rate is above the baseline's plus the allowed increase, or its p99 above the allowed
 * multiple of the baseline's by more than the tolerance. Pure.
 */
export function judgeCanary(canary: SlotWindow, baseline: SlotWindow, t: CanaryThresholds): Judgement {
  const out = (verdict: Verdict, reasons: string[]): Judgement => ({ verdict, reasons, canary, baseline });
  const short = [
    canary.requests < t.minRequests && `the canary had ${canary.requests} of the ${t.minRequests} requests needed`,
    baseline.requests < t.minRequests && `the baseline had ${baseline.requests} of the ${t.minRequests} requests needed`,
  ].filter((r): r is string => typeof r === 'string');
  if (short.length > 0) return out('inconclusive', short);

  const failed: string[] = [];
  const allowedRate = baseline.errorRate + t.maxErrorRateIncrease;
  // A rounding margin: 5% of 10,000 buckets is not always exactly representable.
  if (canary.errorRate > allowedRate + 1e-9) {
    failed.push(`error rate ${pct(canary.errorRate)} is above the baseline's ${pct(baseline.errorRate)} + ${(t.maxErrorRateIncrease * 100).toFixed(2)} points`);
  }
  if (canary.p99Ms !== null && baseline.p99Ms !== null) {
    const allowedP99 = baseline.p99Ms * t.maxP99Ratio;
    if (canary.p99Ms > allowedP99 && canary.p99Ms - baseline.p99Ms > t.latencyToleranceMs) {
      failed.push(`p99 ${ms(canary.p99Ms)} is above ${t.maxP99Ratio}x the baseline's ${ms(baseline.p99Ms)}`);
    }
  }
  return failed.length > 0 ? out('fail', failed) : out('pass', ['error rate and p99 within the thresholds']);
}
