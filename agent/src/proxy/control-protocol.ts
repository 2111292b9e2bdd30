import { z } from 'zod';
import { AppName, HostName, SlotName } from '@devflow/protocol';

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

export const ControlRequest = z.discriminatedUnion('op', [
  SwitchRequest,
  RemoveRequest,
  z.object({ op: z.literal('status') }).strict(),
  z.object({ op: z.literal('routes') }).strict(),
]);
export type ControlRequest = z.infer<typeof ControlRequest>;

/** One app's route as persisted and reported. */
export const RouteRecord = z
  .object({ app: AppName, listenPort: Port, hostname: HostName.optional(), slot: SlotName, targetPort: Port, switchedAt: z.number().int() })
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

export interface RouteStatus extends RouteRecord {
  active: UpstreamStatus;
  draining: UpstreamStatus[];
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
