import { describe, expect, it } from 'vitest';
import { CONTROL_ERROR_CODES, CONTROL_TYPES, parseControlFrame } from './control-frame.js';
import { ControlMessage, ErrorCode, parseControlMessage } from './index.js';

/** One valid example of every control message, the seeds of the mutation corpus. */
const VALID: Record<string, unknown>[] = [
  { type: 'welcome', protocolVersion: 1, agentId: 'agt_1', heartbeatIntervalMs: 5000, serverTime: 1_700_000_000_000 },
  { type: 'heartbeat', ts: 1_700_000_000_000 },
  { type: 'step.run', stepId: 'stp_1', jws: 'a.b.c' },
  { type: 'step.cancel', stepId: 'stp_1' },
  { type: 'log.ack', stepId: 'stp_1', seq: 0 },
  { type: 'step.ack', stepId: 'stp_1' },
  { type: 'error', code: 'INTERNAL', message: 'oops' },
  { type: 'error', code: 'UNKNOWN_STEP', message: '', ref: 'stp_1' },
];

const ODD_VALUES: unknown[] = [
  null, true, 0, -1, 1, 1.5, -0.5, 2 ** 53, -(2 ** 53), '', 'x', 'stp_1', 'INTERNAL', 'x'.repeat(129), 'x'.repeat(257),
  'x'.repeat(8193), [], {}, ['a'],
];

/** Every seed, then each field removed, replaced by each odd value, and an extra key. */
function corpus(): string[] {
  const out: string[] = [];
  for (const seed of VALID) {
    out.push(JSON.stringify(seed));
    for (const key of Object.keys(seed)) {
      const { [key]: _drop, ...rest } = seed;
      out.push(JSON.stringify(rest));
      for (const v of ODD_VALUES) out.push(JSON.stringify({ ...seed, [key]: v }));
    }
    for (const extra of ['extra', 'ref', '__proto__', 'constructor']) out.push(JSON.stringify(seed).replace(/}$/, `,"${extra}":"x"}`));
  }
  out.push('', 'not json', '[]', '[1]', 'null', '42', '"welcome"', '{}', '{"type":1}', '{"type":"hello"}', '{"type":"toString"}');
  out.push('{"type":"__proto__"}', JSON.stringify({ type: 'step.run', stepId: 's', jws: 'x'.repeat(1024 * 1024 + 1) }));
  return out;
}

describe('parseControlFrame (zod-free) agrees with the protocol schemas', () => {
  it('knows exactly the protocol message types and error codes', () => {
    expect([...CONTROL_TYPES].sort()).toEqual(ControlMessage.options.map((o) => o.shape.type.value).sort());
    expect([...CONTROL_ERROR_CODES].sort()).toEqual([...ErrorCode.options].sort());
  });

  it('accepts and refuses the same frames, with the same code, ref and message', () => {
    const frames = corpus();
    expect(frames.length).toBeGreaterThan(500);
    let accepted = 0;
    for (const frame of frames) {
      const ours = parseControlFrame(frame);
      const theirs = parseControlMessage(frame);
      const summary = (r: typeof ours) => (r.ok ? { ok: true, message: r.message } : { ok: false, code: r.code, ref: r.ref });
      expect(summary(ours), frame.slice(0, 200)).toEqual(summary(theirs));
      if (ours.ok) accepted++;
    }
    // The corpus must exercise both sides.
    expect(accepted).toBeGreaterThan(VALID.length);
  });

  it('takes a Buffer and names the field in its error', () => {
    const r = parseControlFrame(Buffer.from('{"type":"log.ack","stepId":"s","seq":-1}'));
    expect(r).toMatchObject({ ok: false, code: 'MALFORMED', ref: 'log.ack' });
    expect(!r.ok && r.error).toMatch(/at seq: expected a non-negative integer/);
  });
});
