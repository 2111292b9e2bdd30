import type { z } from 'zod';
import { AgentMessage, ControlMessage, type ErrorCode } from './messages.js';

export type ParseResult<T> = { ok: true; message: T } | { ok: false; code: ErrorCode; error: string; ref?: string };

function parseWith<T>(schema: z.ZodType<T>, known: ReadonlySet<string>, raw: string | Buffer): ParseResult<T> {
  let data: unknown;
  try {
    data = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, code: 'MALFORMED', error: 'message is not valid JSON' };
  }
  const type = typeof data === 'object' && data !== null && 'type' in data ? (data as { type: unknown }).type : undefined;
  if (typeof type !== 'string') return { ok: false, code: 'MALFORMED', error: 'message has no string "type" field' };
  if (!known.has(type)) return { ok: false, code: 'UNKNOWN_TYPE', error: `unknown message type "${type.slice(0, 64)}"`, ref: type.slice(0, 64) };
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(root)';
    return { ok: false, code: 'MALFORMED', error: `invalid "${type}" message at ${where}: ${issue?.message ?? 'invalid'}`, ref: type };
  }
  return { ok: true, message: parsed.data };
}

const agentTypes = new Set(AgentMessage.options.map((o) => o.shape.type.value));
const controlTypes = new Set(ControlMessage.options.map((o) => o.shape.type.value));

/** Parse a frame received by the control plane from an agent. Never throws. */
export function parseAgentMessage(raw: string | Buffer): ParseResult<AgentMessage> {
  return parseWith(AgentMessage, agentTypes, raw);
}

/** Parse a frame received by the agent from the control plane. Never throws. */
export function parseControlMessage(raw: string | Buffer): ParseResult<ControlMessage> {
  return parseWith(ControlMessage, controlTypes, raw);
}
