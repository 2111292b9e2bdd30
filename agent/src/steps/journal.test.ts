import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INTERRUPTED_ERROR, Journal, JOURNAL_FILE } from './journal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'df-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ok = { status: 'succeeded' as const, exitCode: 0, signal: null, durationMs: 5, lastSeq: 2 };

describe('Journal', () => {
  it('remembers a step across a reopen, so a repeated id is answered from the record', async () => {
    const j = await Journal.open(dir);
    await j.begin('s1', 'exec', 'd1', 1000);
    await j.finish('s1', ok);
    const again = await Journal.open(dir);
    expect(again.get('s1')).toMatchObject({ state: 'done', result: ok, acked: false, deploymentId: 'd1' });
    expect(again.unacked().map((r) => r.stepId)).toEqual(['s1']);
  });

  it('turns steps left running by a dead process into failed "agent restarted"', async () => {
    const j = await Journal.open(dir);
    await j.begin('s1', 'exec', undefined, 1000);
    await j.begin('s2', 'exec', undefined, 1000);
    await j.finish('s2', ok);
    const after = await Journal.open(dir);
    const failed = await after.failInterrupted(async (id) => (id === 's1' ? 42 : 0), 4000);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ stepId: 's1', state: 'done', result: { status: 'failed', error: INTERRUPTED_ERROR, lastSeq: 42, durationMs: 3000 } });
    expect((await Journal.open(dir)).get('s1')?.result?.error).toBe(INTERRUPTED_ERROR);
    expect(after.get('s2')?.result).toEqual(ok);
  });

  it('keeps every record in one file, whatever the step id', async () => {
    const j = await Journal.open(dir);
    await j.begin('../../escape/x', 'exec', undefined, 1);
    await j.begin('s2', 'exec', undefined, 1);
    expect(await readdir(dir)).toEqual([JOURNAL_FILE]);
    expect((await Journal.open(dir)).get('../../escape/x')?.state).toBe('running');
  });

  it('has the record on disk as soon as begin returns, before any await (spawn comes next)', async () => {
    const j = await Journal.open(dir);
    void j.begin('s1', 'exec', undefined, 1);
    const line = (await readFile(join(dir, JOURNAL_FILE), 'utf8')).trim().split('\n').pop()!;
    expect(JSON.parse(line)).toMatchObject({ stepId: 's1', state: 'running' });
  });

  it('garbage-collects acknowledged records after a while, and only those', async () => {
    const j = await Journal.open(dir);
    for (const id of ['a', 'b', 'c']) {
      await j.begin(id, 'exec', undefined, 1);
      await j.finish(id, ok);
    }
    await j.markAcked('a', 1000);
    await j.markAcked('b', 9000);
    expect(await j.gc(5000, 10_000)).toBe(1);
    expect(j.get('a')).toBeUndefined();
    expect(j.get('b')?.acked).toBe(true);
    expect(j.get('c')?.acked).toBe(false);
    // The file was rewritten with the live records only.
    const lines = (await readFile(join(dir, JOURNAL_FILE), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).stepId).sort()).toEqual(['b', 'c']);
    expect((await Journal.open(dir)).get('a')).toBeUndefined();
  });

  it('skips and reports a torn last line (the machine died mid-write), keeping the rest', async () => {
    const j = await Journal.open(dir);
    await j.begin('s1', 'exec', undefined, 1);
    await j.finish('s1', ok);
    await appendFile(join(dir, JOURNAL_FILE), '{"stepId":"s2","kind":"ex');
    const bad: string[] = [];
    const again = await Journal.open(dir, (where) => bad.push(where));
    expect(bad).toEqual([`${join(dir, JOURNAL_FILE)}:3`]);
    expect(again.get('s1')?.result).toEqual(ok);
    expect(again.get('s2')).toBeUndefined();
  });

  it('takes over records of the earlier file-per-step layout', async () => {
    await writeFile(join(dir, 'old.json'), JSON.stringify({ stepId: 'old', kind: 'exec', state: 'done', startedAt: 1, result: ok, acked: false }));
    const j = await Journal.open(dir);
    expect(j.unacked().map((r) => r.stepId)).toEqual(['old']);
    expect(await readdir(dir)).toEqual([JOURNAL_FILE]);
    expect((await Journal.open(dir)).get('old')?.result).toEqual(ok);
  });

  it('reports an unreadable record and drops leftover tmp files instead of failing to start', async () => {
    await writeFile(join(dir, 'bad.json'), '{not json');
    await writeFile(join(dir, 'x.json.tmp-123'), '{}');
    const bad: string[] = [];
    const j = await Journal.open(dir, (f) => bad.push(f));
    expect(bad).toEqual([join(dir, 'bad.json')]);
    expect(j.all()).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['bad.json', JOURNAL_FILE]);
  });
});
