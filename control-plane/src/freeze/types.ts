import { z } from 'zod';
import { Slug } from '../projects/types.js';

const Instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 date-time, e.g. 2026-12-24T00:00:00Z' });

/**
 * A new freeze window: one-off (`from`..`to`) or recurring (`cron` + `durationMinutes` in
 * `timezone`, each cron fire starts a window). `environment` omitted: every environment of the project.
 */
export const FreezeInput = z
  .object({
    environment: Slug.optional(),
    from: Instant.optional(),
    to: Instant.optional(),
    cron: z.string().trim().min(1).max(200).optional(),
    durationMinutes: z.number().int().min(1).max(366 * 24 * 60).optional(),
    timezone: z.string().trim().min(1).max(100).optional(),
    reason: z.string().trim().min(1, 'say why deployments are frozen').max(500),
  })
  .strict();
export type FreezeInput = z.input<typeof FreezeInput>;

export const CalendarQuery = z.object({
  from: Instant.optional(),
  to: Instant.optional(),
});

export interface FreezeWindow {
  id: string;
  projectId: string;
  /** null: every environment of the project. */
  environmentId: string | null;
  environment: string | null;
  kind: 'once' | 'recurring';
  /** One-off: the period (ms since epoch). */
  startsAt: number | null;
  endsAt: number | null;
  /** Recurring: each fire of `cron` in `timezone` starts a window of `durationMinutes`. */
  cron: string | null;
  durationMinutes: number | null;
  timezone: string | null;
  reason: string;
  createdBy: string;
  createdAt: number;
}

/** One period a window freezes deployments (a one-off window has one; a recurring one, one per fire). */
export interface FreezePeriod {
  windowId: string;
  start: number;
  end: number;
  reason: string;
  environment: string | null;
}
