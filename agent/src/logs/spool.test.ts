import { mkdtemp, readFile, rm, appendFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogLine } from '@devflow/protocol';
import { encodeLine, seqOf, spoolFile, StepSpool } from './spool.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'df-spool-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fill = (spool: StepSpool, from: number, to: number): void => {
  for (let s = from; s <= to; s++) spool.append(s, encodeLine(s, 'stdout', 1000 + s, `line ${s} "quoted" é`));
};
const readAll = async (spool: StepSpool, after: number): Promise<number[]> => {
  const seqs: number[] = [];
  await spool.readAfter(after, (lines) => {
    seqs.push(...lines.map(seqOf));
    return true;
  }, 7);
  return seqs;
};

describe('encodeLine', () => {
  it('produces a valid LogLine, escaping the text', () => {
    const json = encodeLine(3, 'stderr', 5, 'a"b\\c\n\u0001');
    expect(LogLine.parse(JSON.parse(json))).toEqual({ seq: 3, stream: 'stderr', ts: 5, text: 'a"b\\c\n\u0001' });
    expect(seqOf(json)).toBe(3);
  });
});

describe('StepSpool', () => {
  it('writes buffered lines in few appends and reports each write in order', async () => {
    const writes: [number, number, number][] = [];
    const spool = StepSpool.create(dir, 's1', { flushLines: 100, onFlushed: (l, a, b) => writes.push([l.length, a, b]) });
    fill(spool, 1, 250);
    await spool.flush();
    expect(writes).toEqual([[100, 1, 100], [100, 101, 200], [50, 201, 250]]);
    const text = await readFile(spoolFile(dir, 's1'), 'utf8');
    expect(text.trimEnd().split('\n').map((l) => LogLine.parse(JSON.parse(l)).seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
  });

  it('flushes on its timer without an explicit flush', async () => {
    const flushed: number[] = [];
    const spool = StepSpool.create(dir, 's1', { flushMs: 5, onFlushed: (_l, _a, b) => flushed.push(b) });
    fill(spool, 1, 3);
    await expect.poll(() => flushed).toEqual([3]);
  });

  it('re-reads lines after a seq, in order, skipping acknowledged ones', async () => {
    const spool = StepSpool.create(dir, 's1', { flushLines: 10 });
    fill(spool, 1, 45);
    await spool.flush();
    expect(await readAll(spool, 0)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    spool.ack(23);
    expect(spool.ackedSeq).toBe(23);
    expect(await readAll(spool, 23)).toEqual(Array.from({ length: 22 }, (_, i) => i + 24));
    spool.ack(10); // an older ack changes nothing
    expect(spool.ackedSeq).toBe(23);
  });

  it('orders a re-read after the write in flight', async () => {
    const spool = StepSpool.create(dir, 's1', { flushLines: 1000 });
    fill(spool, 1, 1000); // write queued now
    const seqs = await readAll(spool, 0);
    expect(seqs).toHaveLength(1000);
  });

  it('survives a reopen and cuts a half-written last line', async () => {
    const spool = StepSpool.create(dir, 's1');
    fill(spool, 1, 30);
    await spool.close();
    await appendFile(spoolFile(dir, 's1'), '{"seq":31,"stream":"std');
    const again = await StepSpool.reopen(dir, 's1');
    expect(again.lastSeq).toBe(30);
    expect(await readAll(again, 0)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    fill(again, 31, 32);
    await again.flush();
    expect(await readAll(again, 28)).toEqual([29, 30, 31, 32]);
    expect(await StepSpool.list(dir)).toEqual(['s1']);
  });

  it('reopens a missing spool as empty', async () => {
    const spool = await StepSpool.reopen(dir, 'none');
    expect(spool.lastSeq).toBe(0);
    expect(await readAll(spool, 0)).toEqual([]);
  });

  it('removes its file', async () => {
    const spool = StepSpool.create(dir, 's1');
    fill(spool, 1, 3);
    await spool.flush();
    await spool.remove();
    expect(existsSync(spoolFile(dir, 's1'))).toBe(false);
  });
});
