import { describe, expect, it } from 'vitest';
import { MAX_LOG_LINE_CHARS } from '@devflow/protocol';
import { LineSplitter } from './lines.js';

const split = (...chunks: (string | Uint8Array)[]): string[] => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  for (const c of chunks) s.push(c);
  s.flush();
  return lines;
};

describe('LineSplitter', () => {
  it('splits on \\n and \\r\\n, keeping empty lines', () => {
    expect(split('a\nb\r\n\nc')).toEqual(['a', 'b', '', 'c']);
  });
  it('joins a line split across chunks and holds the partial tail until flush', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push('hel');
    s.push('lo\nwor');
    expect(lines).toEqual(['hello']);
    s.push('ld');
    s.flush();
    expect(lines).toEqual(['hello', 'world']);
  });
  it('decodes a UTF-8 character split across two chunks', () => {
    const bytes = Buffer.from('é€\n');
    expect(split(bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3))).toEqual(['é€']);
  });
  it('emits nothing for an empty stream and no extra line after a final newline', () => {
    expect(split()).toEqual([]);
    expect(split('x\n')).toEqual(['x']);
  });
  it('truncates an overlong line with a marker', () => {
    const [line] = split('y'.repeat(MAX_LOG_LINE_CHARS + 10) + '\n');
    expect(line?.startsWith('y'.repeat(MAX_LOG_LINE_CHARS))).toBe(true);
    expect(line).toContain('[truncated 10 chars]');
  });
  it('cuts a never-ending line instead of buffering it without bound', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    for (let i = 0; i < 10; i++) s.push('z'.repeat(MAX_LOG_LINE_CHARS));
    expect(lines.length).toBeGreaterThan(0);
  });
});
