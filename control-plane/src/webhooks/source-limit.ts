import { AppError } from '../errors.js';

/**
 * At most `perSource` unauthenticated webhook bodies read at once per client address: one
 * sender cannot make the control plane hold many bodies in memory (each is capped as well).
 */
export class SourceLimiter {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perSource: number) {}

  /** Takes a slot or throws 429; call the returned function once the body is read and verified. */
  acquire(source: string): () => void {
    const n = this.inFlight.get(source) ?? 0;
    if (n >= this.perSource) {
      throw new AppError('RATE_LIMITED', `too many webhook deliveries in progress from ${source} (at most ${this.perSource} at once, DEVFLOW_WEBHOOK_CONCURRENCY); retry shortly`, {
        retryAfterSeconds: 1,
      });
    }
    this.inFlight.set(source, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(source) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(source);
      else this.inFlight.set(source, left);
    };
  }
}
