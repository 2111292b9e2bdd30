/**
 * Capped exponential backoff with FULL jitter: the n-th retry waits random(0, min(cap, base*2^n)).
 * Spreads a thousand agents reconnecting after a control-plane restart over the whole window
 * instead of in waves, and a refused connection never turns into a tight loop.
 */
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** Returns a number in [0, 1); injectable so tests can check the bounds exactly. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 1000;
    this.maxMs = options.maxMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  /** The ceiling of the next delay (before jitter). */
  get ceilingMs(): number {
    // 2^attempt overflows to Infinity for large attempts; Math.min keeps it at the cap.
    return Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
  }

  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next dial; each call grows the window. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceilingMs);
    this.attempt++;
    return delay;
  }

  /** After a connection was healthy for a while, start over from the base delay. */
  reset(): void {
    this.attempt = 0;
  }
}
