import { describe, expect, it } from 'vitest';
import { timeAgo } from '../../web/src/components/format.js';

/** Relative times the console shows: past ("3 min ago") and future (an approval's expiry). */
describe('timeAgo', () => {
  const now = Date.UTC(2026, 10, 27, 12, 0, 0);
  it('reads past and future instants', () => {
    expect(timeAgo(now - 3 * 60_000, now)).toBe('3 min ago');
    expect(timeAgo(now - 2_000, now)).toBe('just now');
    expect(timeAgo(now + 2 * 3600_000, now)).toBe('in 2 h');
    expect(timeAgo(now + 90_000, now)).toBe('in 2 min');
    expect(timeAgo(null, now)).toBe('never');
  });
});
