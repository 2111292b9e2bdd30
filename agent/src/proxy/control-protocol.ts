import { z } from 'zod';
import { AppName, HostName, SlotName, SplitWeight, type SplitStatsOutput } from '@devflow/protocol';

/**
 * The proxy's control socket speaks newline-delimited JSON: one request line, one response line.
 * Both ends parse through these schemas.
 */
const Port = z.number().int().min(1).max(65535);

export const SwitchRequest = z
  .object({ op: z.literal('switch'), app: AppName, listenPort: Port, hostname: HostName.optional(), slot: SlotName, targetPort: Port, drainMs: z.number().int().min(0).max(600_000) })
  .strict();
export type SwitchRequest = z.infer<typeof SwitchRequest>;

/** Forget the app's route: the proxy stops listening on its public port (the environment leaves blue-green). */
export const RemoveRequest = z.object({ op: z.literal('remove'), app: AppName, drainMs: z.number().int().min(0).max(600_000) }).strict();
export type RemoveRequest = z.infer<typeof RemoveRequest>;

/**
 * Send `weight` percent of the app's clients (sticky, see split.ts) to the canary slot, the rest to
 * the route's active slot (the baseline). `canary: null` ends the split: every request goes to the
 * baseline from this moment, the canary drains for up to drainMs.
 */
export const SplitRequest = z
  .object({
    op: z.literal('split'),
    app: AppName,
    canary: z.object({ slot: SlotName, targetPort: Port }).strict().nullable(),
    weight: SplitWeight,
    drainMs: z.number().int().min(0).max(600_000),
  })
  .strict();
export type SplitRequest = z.infer<typeof SplitRequest>;

/** The per-slot counters of the app's split (cumulative since the split began). */
export const StatsRequest = z.object({ op: z.literal('stats'), app: AppName }).strict();
export type StatsRequest = z.infer<typeof StatsRequest>;

export const ControlRequest = z.discriminatedUnion('op', [
  SwitchRequest,
  RemoveRequest,
  SplitRequest,
  StatsRequest,
  z.object({ op: z.literal('status') }).strict(),
  z.object({ op: z.literal('routes') }).strict(),
]);
export type ControlRequest = z.infer<typeof ControlRequest>;

/** One app's route as persisted and reported. */
export const RouteSplit = z.object({ slot: SlotName, targetPort: Port, weight: SplitWeight }).strict();
export type RouteSplit = z.infer<typeof RouteSplit>;

export const RouteRecord = z
  .object({ app: AppName, listenPort: Port, hostname: HostName.optional(), slot: SlotName, targetPort: Port, switchedAt: z.number().int(), split: RouteSplit.optional() })
  .strict();
export type RouteRecord = z.infer<typeof RouteRecord>;

export const RouteTableFile = z.object({ version: z.literal(1), routes: z.array(RouteRecord) }).strict();

export interface SwitchResult {
  route: RouteRecord;
  previous: { slot: string; targetPort: number } | null;
  /** False when the route already pointed at that slot and port (nothing was drained). */
  changed: boolean;
}

export interface RemoveResult {
  /** The route as it was; null when the proxy had none for the app. */
  removed: RouteRecord | null;
}

export interface UpstreamStatus {
  slot: string;
  targetPort: number;
  inflight: number;
  websockets: number;
}

export interface SplitResult {
  route: RouteRecord;
  /** The counters of the split that this request changed or ended; null when there was none. */
  previous: SplitStats | null;
}

/** The counters of a split since it began (the same shape the traffic.split and traffic.stats steps report). */
export type SplitStats = SplitStatsOutput;

export interface StatsResult {
  /** Null when the app's route is not split. */
  split: SplitStats | null;
}

export interface RouteStatus extends RouteRecord {
  active: UpstreamStatus;
  draining: UpstreamStatus[];
  /** The split's canary, while the route is split. */
  canary?: UpstreamStatus;
  /** Set when the proxy could not listen on the app's port (e.g. another process holds it). */
  listenError?: string;
}

export interface ProxyStatus {
  pid: number;
  startedAt: number;
  routes: RouteStatus[];
}

export const ProxyErrorCode = z.enum(['NOT_RUNNING', 'BAD_REQUEST', 'LISTEN_FAILED', 'PERSIST_FAILED', 'TIMEOUT', 'BAD_RESPONSE', 'START_FAILED', 'ALREADY_RUNNING', 'INTERNAL']);
export type ProxyErrorCode = z.infer<typeof ProxyErrorCode>;

export const ControlResponse = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }).strict(),
  z.object({ ok: z.literal(false), code: ProxyErrorCode, message: z.string() }).strict(),
]);
export type ControlResponse = z.infer<typeof ControlResponse>;

export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  constructor(readonly code: ProxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
