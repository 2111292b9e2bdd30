import parser from 'cron-parser';
import type { FreezePeriod, FreezeWindow } from './types.js';

/** At most this many periods of one recurring window in a calendar range (a minutely cron over a year is not a calendar). */
const MAX_PERIODS = 500;

const period = (w: FreezeWindow, start: number, end: number): FreezePeriod => ({ windowId: w.id, start, end, reason: w.reason, environment: w.environment });

/** The period of `w` covering `at`, if any: for a recurring window, the latest fire at or before `at` that has not ended. */
export function coveringPeriod(w: FreezeWindow, at: number): FreezePeriod | null {
  if (w.kind === 'once') return w.startsAt !== null && w.endsAt !== null && w.startsAt <= at && at < w.endsAt ? period(w, w.startsAt, w.endsAt) : null;
  const durationMs = (w.durationMinutes ?? 0) * 60_000;
  // currentDate is exclusive for prev(): one ms later so a fire exactly at `at` counts.
  const start = parser.parseExpression(w.cron ?? '', { currentDate: new Date(at + 1), tz: w.timezone ?? 'UTC' }).prev().getTime();
  return at < start + durationMs ? period(w, start, start + durationMs) : null;
}

/** The periods of `w` overlapping [from, to), in order (the console calendar). */
export function periodsBetween(w: FreezeWindow, from: number, to: number): FreezePeriod[] {
  if (w.kind === 'once') return w.startsAt !== null && w.endsAt !== null && w.startsAt < to && w.endsAt > from ? [period(w, w.startsAt, w.endsAt)] : [];
  const out: FreezePeriod[] = [];
  const covering = coveringPeriod(w, from);
  if (covering) out.push(covering);
  const durationMs = (w.durationMinutes ?? 0) * 60_000;
  const it = parser.parseExpression(w.cron ?? '', { currentDate: new Date(from), endDate: new Date(to), tz: w.timezone ?? 'UTC' });
  while (it.hasNext() && out.length < MAX_PERIODS) {
    const start = it.next().getTime();
    if (covering && start === covering.start) continue;
    out.push(period(w, start, start + durationMs));
  }
  return out;
}
