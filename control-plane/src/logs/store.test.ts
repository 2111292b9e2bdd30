import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLine } from '@devflow/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { StepStore } from '../steps/store.js';
import { LogStore } from './store.js';

let dir: string;
let db: Db;
let logs: LogStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'devflow-logs-'));
  db = await openDb(`file:${join(dir, 'db')}`);
  await migrate(db);
  await new StepStore(db).insert({ id: 's1', agentId: 'a1', spec: { kind: 'exec', argv: ['true'], timeoutMs: 1000 }, specSealed: null, secretsSealed: null });
  logs = new LogStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const lines = (from: number, to: number): LogLine[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, stream: i % 3 === 0 ? 'stderr' : 'stdout', ts: 1000 + from + i, text: `line ${from + i}` }));

describe('LogStore', () => {
  it('stores every line once, in order, with stream and timestamp, and acks cumulatively', async () => {
    expect(await logs.append('s1', lines(1, 1500))).toBe(1500);
    expect(await logs.append('s1', lines(1501, 2000))).toBe(2000);
    const stored = await logs.read('s1', 0, 5000);
    expect(stored.map((l) => l.seq)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(stored[0]).toEqual({ seq: 1, stream: 'stderr', ts: 1001, text: 'line 1' });
  });

  it('a re-sent batch (and an overlapping one) adds nothing and is acked again', async () => {
    await logs.append('s1', lines(1, 100));
    expect(await logs.append('s1', lines(1, 100))).toBe(100);
    expect(await logs.append('s1', lines(50, 150))).toBe(150);
    expect(await logs.count('s1')).toBe(150);
    const texts = (await logs.read('s1', 0, 1000)).map((l) => l.text);
    expect(new Set(texts).size).toBe(150);
  });

  it('never acks past a gap, and jumps over stored lines once the gap is filled', async () => {
    expect(await logs.append('s1', lines(1, 10))).toBe(10);
    expect(await logs.append('s1', lines(21, 30))).toBe(10); // 11..20 missing
    expect(await logs.append('s1', lines(31, 40))).toBe(10);
    expect(await logs.append('s1', lines(11, 20))).toBe(40);
    expect((await logs.read('s1', 0, 100)).map((l) => l.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('handles an unsorted batch and a batch with a hole inside it', async () => {
    const batch = lines(1, 10).filter((l) => l.seq !== 5).reverse();
    expect(await logs.append('s1', batch)).toBe(4);
    expect(await logs.append('s1', lines(5, 5))).toBe(10);
  });

  it('pages with after/limit', async () => {
    await logs.append('s1', lines(1, 25));
    expect((await logs.read('s1', 10, 5)).map((l) => l.seq)).toEqual([11, 12, 13, 14, 15]);
    let n = 0;
    for await (const page of logs.readAll('s1', 7)) n += page.length;
    expect(n).toBe(25);
  });
});
