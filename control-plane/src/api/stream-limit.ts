import { AppError } from '../errors.js';

/**
 * Open event streams (SSE) one user may hold at once, across `/api/events` and the deployment
 * log streams. Each holds a socket and bus subscriptions until the client goes away, so without
 * a cap one token could exhaust the control plane's file descriptors. A console tab holds two.
 */
export const MAX_STREAMS_PER_USER = 16;

export class StreamLimiter {
  private readonly open = new Map<string, number>();

  constructor(private readonly max = MAX_STREAMS_PER_USER) {}

  /** Count one more stream for `userId`, or throw RATE_LIMITED; call the returned function once when it ends. */
  acquire(userId: string): () => void {
    const n = this.open.get(userId) ?? 0;
    if (n >= this.max) {
      throw new AppError('RATE_LIMITED', `you already have ${n} open event streams (at most ${this.max}); close some console tabs or log followers`, {
        retryAfterSeconds: 5,
      });
    }
    this.open.set(userId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(userId) ?? 1) - 1;
      if (left > 0) this.open.set(userId, left);
      else this.open.delete(userId);
    };
  }
}

const limiters = new WeakMap<object, StreamLimiter>();

/** The limiter shared by every streaming route of one control plane (keyed by its services). */
export function streamLimiterFor(services: object): StreamLimiter {
  let limiter = limiters.get(services);
  if (!limiter) limiters.set(services, (limiter = new StreamLimiter()));
  return limiter;
}
