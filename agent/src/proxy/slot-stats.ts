import { LATENCY_BUCKETS, latencyBucket, type SlotStatsSnapshot } from '@devflow/protocol';

/**
 * One slot's counters while its route is split (see protocol's traffic-stats for what they mean
 * and how a window is read). A few integer increments and one log() per request: the hot path
 * stays cheap, and a route without a split has no SlotStats at all.
 */
export class SlotStats {
  private requests = 0;
  private errors5xx = 0;
  private connectionErrors = 0;
  private readonly buckets = new Uint32Array(LATENCY_BUCKETS);

  /** The app's response head arrived `ms` after the request head was sent. */
  response(status: number, ms: number): void {
    this.requests++;
    if (status >= 500 && status <= 599) this.errors5xx++;
    this.buckets[latencyBucket(ms)]!++;
  }

  /** The proxy answered 502 itself. */
  connectionError(): void {
    this.requests++;
    this.connectionErrors++;
  }

  snapshot(): SlotStatsSnapshot {
    const latency: [number, number][] = [];
    for (let i = 0; i < LATENCY_BUCKETS; i++) if (this.buckets[i]! > 0) latency.push([i, this.buckets[i]!]);
    return { requests: this.requests, errors5xx: this.errors5xx, connectionErrors: this.connectionErrors, latency };
  }
}
