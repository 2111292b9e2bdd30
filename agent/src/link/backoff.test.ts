import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('grows the ceiling 1s, 2s, 4s ... and caps it at 60s', () => {
    const b = new Backoff({ random: () => 0.999999 });
    const delays = Array.from({ length: 10 }, () => b.next());
    expect(delays.map((d) => Math.round(d / 1000))).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
    for (let i = 0; i < 1000; i++) expect(b.next()).toBeLessThan(60_000);
  });

  it('uses full jitter: delays spread over [0, ceiling)', () => {
    expect(new Backoff({ random: () => 0 }).next()).toBe(0);
    const b = new Backoff();
    for (let i = 0; i < 8; i++) b.next();
    const samples = Array.from({ length: 2000 }, () => {
      const c = new Backoff();
      for (let i = 0; i < 8; i++) c.next();
      return c.next();
    });
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThan(60_000);
    // Full jitter, not "cap minus a little": a good share below half the ceiling and above it.
    const low = samples.filter((s) => s < 30_000).length;
    expect(low).toBeGreaterThan(600);
    expect(low).toBeLessThan(1400);
    expect(new Set(samples).size).toBeGreaterThan(1000);
  });

  it('starts over after reset', () => {
    const b = new Backoff({ random: () => 0.5 });
    for (let i = 0; i < 5; i++) b.next();
    expect(b.ceilingMs).toBe(32_000);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(500);
  });

  it('honours custom base and cap', () => {
    const b = new Backoff({ baseMs: 10, maxMs: 50, random: () => 0.999 });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([9, 19, 39, 49]);
  });

  it('never overflows after very many attempts', () => {
    const b = new Backoff({ random: () => 0.5 });
    for (let i = 0; i < 5000; i++) b.next();
    expect(b.next()).toBe(30_000);
  });
});
