import type { BucketSize } from './schema.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday: Monday-based weeks are counted from 1970-01-05. */
const FIRST_MONDAY = 4 * DAY;

/**
 * Numbered buckets of one size in local time (`offsetMs` east of UTC): `index` of an instant and
 * the instant a bucket starts. Hours, days and Monday weeks are fixed lengths; months are calendar
 * months, so they are counted as year * 12 + month of the local date.
 */
export interface Buckets {
  index(t: number): number;
  start(index: number): number;
}

export function buckets(size: BucketSize, offsetMs: number): Buckets {
  if (size === 'month') {
    return {
      index(t) {
        const local = new Date(t + offsetMs);
        return local.getUTCFullYear() * 12 + local.getUTCMonth();
      },
      start: (i) => Date.UTC(Math.floor(i / 12), i % 12, 1) - offsetMs,
    };
  }
  const length = size === 'hour' ? HOUR : size === 'day' ? DAY : WEEK;
  const origin = size === 'week' ? FIRST_MONDAY : 0;
  return {
    index: (t) => Math.floor((t + offsetMs - origin) / length),
    start: (i) => i * length + origin - offsetMs,
  };
}

/** The default range ends at `to` and covers this much before it. */
export function defaultSpan(size: BucketSize, to: number): number {
  if (size === 'hour') return 48 * HOUR;
  if (size === 'day') return 30 * DAY;
  if (size === 'week') return 12 * WEEK;
  const d = new Date(to);
  return to - Date.UTC(d.getUTCFullYear() - 1, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

export const DAY_MS = DAY;
