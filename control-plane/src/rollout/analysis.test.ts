import { describe, expect, it } from 'vitest';
import { latencyBucket, windowOf, type SlotWindow } from '@devflow/protocol';
import { describeWindows, judgeCanary, type CanaryThresholds } from './analysis.js';

const T: CanaryThresholds = { minRequests: 100, maxErrorRateIncrease: 0.01, maxP99Ratio: 1.5, latencyToleranceMs: 5 };

/** A window of `requests`, `errors` of them 5xx, every latency `latencyMs`. */
function win(requests: number, errors: number, latencyMs: number, connectionErrors = 0): SlotWindow {
  return windowOf({ requests, errors5xx: errors, connectionErrors, latency: requests ? [[latencyBucket(latencyMs), requests]] : [] });
}

describe('judgeCanary', () => {
  it('passes a canary as good as its baseline', () => {
    expect(judgeCanary(win(500, 0, 2), win(5000, 0, 2), T).verdict).toBe('pass');
  });

  it('fails a canary with 10% errors against a clean baseline, naming both rates', () => {
    const j = judgeCanary(win(500, 50, 2), win(5000, 0, 2), T);
    expect(j.verdict).toBe('fail');
    expect(j.reasons.join()).toMatch(/error rate 10\.00% is above the baseline's 0\.00% \+ 1\.00 points/);
  });

  it('allows exactly the increase over the baseline, not more', () => {
    // baseline 2%, canary 3%: within +1 point; 3.2%: above.
    expect(judgeCanary(win(1000, 30, 2), win(1000, 20, 2), T).verdict).toBe('pass');
    expect(judgeCanary(win(1000, 32, 2), win(1000, 20, 2), T).verdict).toBe('fail');
  });

  it('counts connection errors (the proxy\'s 502s) as errors', () => {
    expect(judgeCanary(win(500, 0, 2, 20), win(5000, 0, 2), T).verdict).toBe('fail');
  });

  it('fails a canary whose p99 is above 1.5x the baseline by more than the tolerance', () => {
    const j = judgeCanary(win(500, 0, 40), win(5000, 0, 20), T);
    expect(j.verdict).toBe('fail');
    expect(j.reasons.join()).toMatch(/p99 .* is above 1\.5x the baseline's/);
  });

  it('does not fail sub-tolerance latency noise: 0.9 ms against 0.4 ms is 2x but 0.5 ms', () => {
    expect(judgeCanary(win(500, 0, 0.9), win(5000, 0, 0.4), T).verdict).toBe('pass');
    expect(judgeCanary(win(500, 0, 0.9), win(5000, 0, 0.4), { ...T, latencyToleranceMs: 0 }).verdict).toBe('fail');
  });

  it('is inconclusive below the minimum requests on either side, even with errors', () => {
    const few = judgeCanary(win(99, 50, 2), win(5000, 0, 2), T);
    expect(few.verdict).toBe('inconclusive');
    expect(few.reasons).toEqual(['the canary had 99 of the 100 requests needed']);
    expect(judgeCanary(win(500, 0, 2), win(10, 0, 2), T).reasons).toEqual(['the baseline had 10 of the 100 requests needed']);
  });

  it('describes both windows in one line', () => {
    expect(describeWindows(win(500, 50, 2), win(5000, 0, 2))).toMatch(/^canary 50\/500 errors \(10\.00%\), p95 [\d.]+ ms, p99 [\d.]+ ms; baseline 0\/5000 errors \(0\.00%\)/);
  });
});
