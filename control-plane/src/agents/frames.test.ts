import { describe, expect, it } from 'vitest';
import { MAX_LOG_BATCH_LINES, MAX_LOG_LINE_CHARS, parseAgentMessage } from '@devflow/protocol';
import { isLogBatch, parseAgentFrame } from './frames.js';

const line = { seq: 1, stream: 'stdout', ts: 1_700_000_000_000, text: 'hello' };
const batch = (lines: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'log.batch', stepId: 'stp_1', lines, ...extra });

const ODD: unknown[] = [null, true, 0, -1, 1.5, 2 ** 53, '', 'x', 'stderr', 'system', 'STDOUT', [], {}, 'x'.repeat(MAX_LOG_LINE_CHARS + 64), 'x'.repeat(MAX_LOG_LINE_CHARS + 65)];

/** Valid batches, then every field of the message and of a line replaced, removed or joined by an extra key. */
function corpus(): string[] {
  const out: unknown[] = [batch([line]), batch([line, { ...line, seq: 2, stream: 'stderr', text: '' }, { ...line, seq: 3, stream: 'system', ts: 0 }])];
  out.push(batch(Array.from({ length: MAX_LOG_BATCH_LINES }, (_, i) => ({ ...line, seq: i + 1 }))));
  out.push(batch(Array.from({ length: MAX_LOG_BATCH_LINES + 1 }, (_, i) => ({ ...line, seq: i + 1 }))));
  out.push(batch([]), batch([line], { extra: 1 }), batch([line], { stepId: '' }), batch([line], { stepId: 'x'.repeat(128) }), batch([line], { stepId: 'x'.repeat(129) }));
  out.push(batch([line], { stepId: 7 }), batch({} as unknown[]), batch('x' as unknown as unknown[]), batch([null]), batch([[1]]), batch([line, 'x']));
  for (const key of Object.keys(line)) {
    const { [key as keyof typeof line]: _drop, ...rest } = line;
    out.push(batch([rest]));
    for (const v of ODD) out.push(batch([line, { ...line, seq: 2, [key]: v }]));
  }
  out.push(batch([{ ...line, extra: 1 }]));
  const frames = out.map((o) => JSON.stringify(o));
  frames.push('{"type":"log.batch","stepId":"s","lines":[{"seq":1,"stream":"stdout","ts":1,"text":"a","__proto__":1}]}');
  frames.push('{"type":"log.batch","stepId":"s","lines":[{"seq":1,"stream":"stdout","ts":1,"text":"a"}],"__proto__":{}}');
  frames.push('not json', '{"type":"heartbeat","ts":1}', '{"type":"log.batch"', '[]');
  return frames;
}

describe('parseAgentFrame: the log.batch fast check agrees with the protocol schema', () => {
  it('accepts and refuses exactly what parseAgentMessage does, with its replies', () => {
    let accepted = 0;
    for (const frame of corpus()) {
      const ours = parseAgentFrame(frame);
      const theirs = parseAgentMessage(frame);
      expect(ours, frame.slice(0, 160)).toEqual(theirs);
      // ...and the fast path is the one taken for every valid batch (not the zod fallback).
      if (theirs.ok && theirs.message.type === 'log.batch') expect(isLogBatch(JSON.parse(frame)), frame.slice(0, 160)).toBe(true);
      if (ours.ok) accepted++;
    }
    expect(accepted).toBeGreaterThan(10);
  });

  it('takes a Buffer', () => {
    const r = parseAgentFrame(Buffer.from(JSON.stringify(batch([line]))));
    expect(r).toEqual({ ok: true, message: batch([line]) });
  });
});
