import type { ErrorCode } from './messages.js';

export type ParseResult<T> = { ok: true; message: T } | { ok: false; code: ErrorCode; error: string; ref?: string };
type Refused = Extract<ParseResult<never>, { ok: false }>;

/**
 * The first steps of parsing any frame, shared by the schema parsers (parse.ts) and the agent's
 * zod-free one (control-frame.ts), so both refuse bad JSON and unknown types in the same words:
 * JSON, then a string `type` that `known` accepts. Plain code: no zod.
 */
export function readFrame(raw: string | Buffer, known: (type: string) => boolean): { ok: true; data: unknown; type: string } | Refused {
  let data: unknown;
  try {
    data = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, code: 'MALFORMED', error: 'message is not valid JSON' };
  }
  const type = typeof data === 'object' && data !== null && 'type' in data ? (data as { type: unknown }).type : undefined;
  if (typeof type !== 'string') return { ok: false, code: 'MALFORMED', error: 'message has no string "type" field' };
  if (!known(type)) return { ok: false, code: 'UNKNOWN_TYPE', error: `unknown message type "${type.slice(0, 64)}"`, ref: type.slice(0, 64) };
  return { ok: true, data, type };
}
