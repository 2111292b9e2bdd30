import { MAX_LOG_BATCH_LINES, MAX_LOG_LINE_CHARS, parseAgentMessage, type AgentMessage, type MessageOf, type ParseResult } from '@devflow/protocol';

type LogBatch = MessageOf<AgentMessage, 'log.batch'>;

/**
 * Parses a frame from an agent. `log.batch` frames (up to 2000 lines each, most of the traffic)
 * are checked by `isLogBatch`, plain code that walks the parsed JSON once; zod's parse of a
 * full batch cost the control plane more CPU than storing it. Every other frame, and any batch
 * the fast check refuses, goes through the protocol's `parseAgentMessage`, so replies to bad
 * input are exactly the protocol's. frames.test.ts checks that the fast check never accepts a
 * batch the schema refuses, nor refuses one it accepts.
 */
export function parseAgentFrame(raw: string | Buffer): ParseResult<AgentMessage> {
  let data: unknown;
  try {
    data = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return parseAgentMessage(raw);
  }
  if (isLogBatch(data)) return { ok: true, message: data };
  return parseAgentMessage(raw);
}

const STREAMS: ReadonlySet<unknown> = new Set(['stdout', 'stderr', 'system']);
const MAX_TEXT = MAX_LOG_LINE_CHARS + 64;

/** The protocol's LogBatchMessage schema (strict objects), without building a copy. */
export function isLogBatch(v: unknown): v is LogBatch {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const m = v as Record<string, unknown>;
  if (m.type !== 'log.batch' || !hasOnly(m, 3, 'type', 'stepId', 'lines')) return false;
  if (typeof m.stepId !== 'string' || m.stepId.length < 1 || m.stepId.length > 128) return false;
  const lines = m.lines;
  if (!Array.isArray(lines) || lines.length < 1 || lines.length > MAX_LOG_BATCH_LINES) return false;
  for (const l of lines as unknown[]) {
    if (typeof l !== 'object' || l === null || Array.isArray(l)) return false;
    const o = l as Record<string, unknown>;
    if (!hasOnly(o, 4, 'seq', 'stream', 'ts', 'text')) return false;
    if (typeof o.seq !== 'number' || !Number.isSafeInteger(o.seq) || o.seq < 1) return false;
    if (!STREAMS.has(o.stream)) return false;
    if (typeof o.ts !== 'number' || !Number.isSafeInteger(o.ts) || o.ts < 0) return false;
    if (typeof o.text !== 'string' || o.text.length > MAX_TEXT) return false;
  }
  return true;
}

/** Exactly these own keys (JSON.parse makes only own, enumerable ones). */
function hasOnly(o: Record<string, unknown>, count: number, ...keys: string[]): boolean {
  let n = 0;
  for (const k in o) {
    if (!keys.includes(k)) return false;
    n++;
  }
  return n === count;
}
