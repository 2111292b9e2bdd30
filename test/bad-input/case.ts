import type { SnapshotKey, Who, World } from './world.js';

/**
 * One bad input (see bad-input.test.ts). Keep each case a plain object: who sends what, the
 * exact status and message expected back, and which parts of the state (if any) may change.
 */
export interface BadInputCase {
  name: string;
  who: Who;
  /** Runs before the "before" snapshot (e.g. make the live deployment a replay is aimed at). */
  setup?: (w: World) => Promise<void>;
  request: (w: World) => CaseRequest | Promise<CaseRequest>;
  status: number;
  /** Matched against `error.message`, else the `ignored` field (webhooks answer 200 with it), else the text body. */
  message: RegExp;
  /** Snapshot keys this case may change; every other key must be equal after it (default: none may change). */
  mayChange?: SnapshotKey[];
  /** Further assertions on the parsed body. */
  check?: (body: any, w: World) => void | Promise<void>;
}

export interface CaseRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path on the control plane, e.g. `/api/projects`. */
  path: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (takes precedence over `json`); a stream is sent chunked. */
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
  /** Added to (and overriding) the role's session headers. */
  headers?: Record<string, string>;
}
