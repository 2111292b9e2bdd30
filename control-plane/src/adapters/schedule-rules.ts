import cron from 'node-cron';
import { PortError } from '../ports/errors.js';
import type { ScheduleDefinition } from '../ports/scheduler.js';

/**
 * The cron syntax both scheduler adapters accept: what node-cron and BullMQ's cron-parser
 * read the same way. Checked before anything is stored, so a schedule that works embedded
 * also works scaled out.
 */
const NAMES = /JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT/g;
const FIELD = /^[0-9*,/-]+$/;

export function assertSchedule(schedule: ScheduleDefinition): void {
  const fields = schedule.cron.trim().split(/\s+/);
  const plain = fields.every((field) => FIELD.test(field.toUpperCase().replace(NAMES, '0')));
  if ((fields.length !== 5 && fields.length !== 6) || !plain || !cron.validate(schedule.cron)) {
    throw new PortError(
      'invalid_cron',
      `Schedule ${JSON.stringify(schedule.id)}: ${JSON.stringify(schedule.cron)} is not a valid cron expression. ` +
        `Use five fields (minute hour day-of-month month day-of-week) or six with leading seconds, e.g. "0 3 * * MON-FRI".`,
    );
  }
  timezoneOf(schedule);
}

/** The schedule's IANA zone, UTC by default; unknown zones are refused here, not at the first tick. */
export function timezoneOf(schedule: ScheduleDefinition): string {
  const zone = schedule.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch (cause) {
    throw new PortError(
      'invalid_time_zone',
      `Schedule ${JSON.stringify(schedule.id)}: unknown time zone ${JSON.stringify(zone)}; use an IANA name such as "Europe/Berlin" or "UTC".`,
      { cause },
    );
  }
  return zone;
}
