import type { z } from 'zod';
import { readFrame, type ParseResult } from './frame.js';
import { AgentMessage, ControlMessage } from './messages.js';

export type { ParseResult } from './frame.js';

function parseWith<T>(schema: z.ZodType<T>, known: ReadonlySet<string>, raw: string | Buffer): ParseResult<T> {
  const frame = readFrame(raw, (type) => known.has(type));
  if (!frame.ok) return frame;
  const { data, type } = frame;
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
