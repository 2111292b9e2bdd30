import { randomInt } from 'node:crypto';
import type { RequestHead } from './headers.js';
import { SlotStats } from './slot-stats.js';
import type { Upstream } from './upstream.js';

/** A client's place on the split: 0..BUCKETS-1; it goes to the canary while its bucket is below weight * 100. */
const BUCKETS = 10_000;
/** The assignment cookie lives a day: long enough for any canary, short enough not to linger. */
const COOKIE_MAX_AGE_S = 86_400;

/** FNV-1a of the client address: the bucket of a client without the cookie (stable per address). */
function addressBucket(address: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < address.length; i++) {
    h ^= address.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % BUCKETS;
}

/** The bucket in the client's assignment cookie, or -1 when it has none (or a value we did not write). */
function cookieBucket(cookie: string | undefined, prefix: string): number {
  if (cookie === undefined) return -1;
  let at = cookie.indexOf(prefix);
  // The name must start the header or follow "; " (not be the tail of another cookie's name).
  while (at > 0 && cookie.charCodeAt(at - 1) !== 32 && cookie.charCodeAt(at - 1) !== 59) at = cookie.indexOf(prefix, at + 1);
  if (at < 0) return -1;
  const start = at + prefix.length;
  let end = cookie.indexOf(';', start);
  if (end < 0) end = cookie.length;
  const text = cookie.slice(start, end).trim();
  if (text.length === 0 || text.length > 4) return -1;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n < BUCKETS && String(n) === text ? n : -1;
}

/**
 * A route's weighted split between its baseline (the route's active upstream) and a canary.
 * Sticky by bucket: each client has a bucket, from its cookie or else a hash of its address, and
 * goes to the canary while that bucket is below the weight. Raising the weight therefore never
 * moves a canary client back; it moves just the baseline clients the new weight covers. A client
 * without the cookie gets one with a random bucket on the side its address put it, so users behind
 * one address (NAT) spread out at the next step while staying where they are now.
 * WebSocket upgrades are requests like any other here, so they follow the same assignment.
 */
export class TrafficSplit {
  private threshold: number;
  readonly cookieName: string;
  private readonly cookiePrefix: string;
  readonly baselineStats = new SlotStats();
  readonly canaryStats = new SlotStats();
  readonly since = Date.now();

  constructor(
    app: string,
    readonly canary: Upstream,
    private weightPercent: number,
  ) {
    this.threshold = Math.round(weightPercent * (BUCKETS / 100));
    this.cookieName = `devflow-split-${app}`;
    this.cookiePrefix = `${this.cookieName}=`;
  }

  get weight(): number {
    return this.weightPercent;
  }

  setWeight(weightPercent: number): void {
    this.weightPercent = weightPercent;
    this.threshold = Math.round(weightPercent * (BUCKETS / 100));
  }

  /** The upstream for this request; sets `request.setCookie` when the client has no assignment yet. */
  choose(baseline: Upstream, request: RequestHead): Upstream {
    let bucket = cookieBucket(request.cookie, this.cookiePrefix);
    if (bucket < 0) {
      const canary = addressBucket(request.client) < this.threshold;
      bucket = canary ? randomInt(this.threshold) : this.threshold + randomInt(BUCKETS - this.threshold);
      request.setCookie = `Set-Cookie: ${this.cookiePrefix}${bucket}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax\r\n`;
    }
    return bucket < this.threshold ? this.canary : baseline;
  }
}
