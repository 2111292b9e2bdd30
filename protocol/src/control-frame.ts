import { ERROR_CODES as CODES } from './error-codes.js';
import type { ControlMessage } from './messages.js';
import { readFrame, type ParseResult } from './frame.js';

/**
 * Parses frames from the control plane without zod, for the agent (import
 * `@devflow/protocol/control-frame`, not the index, which initialises every schema). The zod
 * schemas cost an idle agent about 5 MB of memory (the library plus the schema objects), more
 * than the rest of the daemon; these seven messages are flat, so plain checks do the same job.
 * The schemas in messages.ts stay the definition: the conformance test (control-frame.test.ts)
 * runs accepted and rejected frames through both this parser and `parseControlMessage` and fails
 * on any disagreement, including a message type added to the schemas but not here. The one
 * nested payload, the signed `StepRunPayload`, is checked by the agent with its zod schema,
 * loaded on the first `step.run`.
 */

const ERROR_CODES: ReadonlySet<string> = new Set<string>(CODES);

type Obj = Record<string, unknown>;
/** A field check: undefined when the value is fine, else what was expected. */
type Check = (v: unknown) => string | undefined;

const int = (min: number): Check => (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? undefined : min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : 'an integer';
const str = (min: number, max: number): Check => (v) =>
  typeof v === 'string' && v.length >= min && v.length <= max ? undefined : `a string of ${min} to ${max} characters`;
const stepId = str(1, 128);

/** Per type: required fields, optional fields. Every other key is refused (the schemas are strict). */
const SHAPES: Record<ControlMessage['type'], { required: Record<string, Check>; optional?: Record<string, Check> }> = {
  welcome: {
    required: { protocolVersion: int(1), agentId: str(0, Number.MAX_SAFE_INTEGER), heartbeatIntervalMs: int(1), serverTime: int(Number.MIN_SAFE_INTEGER) },
  },
  heartbeat: { required: { ts: int(0) } },
  'step.run': { required: { stepId, jws: str(1, 1024 * 1024) } },
  'step.cancel': { required: { stepId } },
  'log.ack': { required: { stepId, seq: int(0) } },
  'step.ack': { required: { stepId } },
  error: {
    required: { code: (v) => (typeof v === 'string' && ERROR_CODES.has(v) ? undefined : `one of ${[...ERROR_CODES].join(', ')}`), message: str(0, 8192) },
    optional: { ref: str(0, 256) },
  },
};

/** The message types this parser knows (checked against the protocol by the conformance test). */
export const CONTROL_TYPES: readonly string[] = Object.keys(SHAPES);
export const CONTROL_ERROR_CODES: readonly string[] = [...ERROR_CODES];

/** Parse a frame received by the agent from the control plane. Never throws. */
export function parseControlFrame(raw: string | Buffer): ParseResult<ControlMessage> {
  const frame = readFrame(raw, (t) => Object.hasOwn(SHAPES, t));
  if (!frame.ok) return frame;
  const { data, type } = frame;
  const shape = SHAPES[type as ControlMessage['type']];
  const bad = (where: string, what: string): ParseResult<ControlMessage> => ({
    ok: false,
    code: 'MALFORMED',
    error: `invalid "${type}" message at ${where}: ${what}`,
    ref: type,
  });
  if (Array.isArray(data)) return bad('(root)', 'expected an object');
  const obj = data as Obj;
  for (const [key, check] of Object.entries(shape.required)) {
    const why = Object.hasOwn(obj, key) ? check(obj[key]) : 'required';
    if (why) return bad(key, why === 'required' ? 'required' : `expected ${why}`);
  }
  for (const key of Object.keys(obj)) {
    if (key === 'type' || Object.hasOwn(shape.required, key)) continue;
    const check = shape.optional && Object.hasOwn(shape.optional, key) ? shape.optional[key] : undefined;
    if (!check) return bad('(root)', `unrecognized key "${key.slice(0, 64)}"`);
    const why = check(obj[key]);
    if (why) return bad(key, `expected ${why}`);
  }
  return { ok: true, message: obj as ControlMessage };
}
