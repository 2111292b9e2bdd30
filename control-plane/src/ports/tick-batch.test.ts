import { describe, expect, it } from 'vitest';
import { TickBatch } from './tick-batch.js';

describe('TickBatch', () => {
  it('runs the calls of one round as one batch and answers each with its own result', async () => {
    const batches: number[][] = [];
    const batch = new TickBatch<number, number>(async (xs) => {
      batches.push([...xs]);
      return xs.map((x) => x * 10);
    });
    expect(await Promise.all([1, 2, 3].map((x) => batch.add(x)))).toEqual([10, 20, 30]);
    expect(await batch.add(4)).toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every call of a batch whose run throws; the next batch runs normally', async () => {
    let fail = true;
    const batch = new TickBatch<string, string>(async (xs) => {
      if (fail) throw new Error('database down');
      return xs.map((x) => x.toUpperCase());
    });
    const failed = await Promise.allSettled([batch.add('a'), batch.add('b')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batch.add('c')).toBe('C');
  });

  it('calls made while a batch runs go into the next one', async () => {
    const batches: number[][] = [];
    let later: Promise<number> | undefined;
    const batch = new TickBatch<number, number>(async (xs) => {
      batches.push([...xs]);
      later ??= batch.add(99);
      return xs;
    });
    await batch.add(1);
    expect(await later).toBe(99);
    expect(batches).toEqual([[1], [99]]);
  });
});
