import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_LOG_BATCH_LINES, parseAgentMessage, type AgentMessage, type StepResult } from '@devflow/protocol';
import { silentLogger } from './logger.js';
import { SEND_WINDOW_LINES } from './batcher.js';
import { Outbox } from './outbox.js';
import { spoolFile } from './spool.js';

/** The link's side of the log path: a frame list and an on/off switch. */
class Wire {
  ready = true;
  frames: AgentMessage[] = [];
  send(frame: string): void {
    const r = parseAgentMessage(frame);
    if (!r.ok) throw new Error(`agent sent an invalid frame: ${r.error}`);
    this.frames.push(r.message);
  }
  seqs(): number[] {
    return this.frames.flatMap((f) => (f.type === 'log.batch' ? f.lines.map((l) => l.seq) : []));
  }
}

const result = (lastSeq: number): StepResult => ({ status: 'succeeded', exitCode: 0, signal: null, durationMs: 1, lastSeq });
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'df-outbox-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Outbox', () => {
  it('sends lines in bounded batches, then step.done after the last line', async () => {
    const wire = new Wire();
    const box = new Outbox(dir, wire, silentLogger);
    const w = box.open('s1');
    for (let i = 0; i < 5000; i++) w.line(i % 2 ? 'stderr' : 'stdout', `line ${i}`);
    await w.flush();
    box.finish('s1', result(w.lastSeq));
    expect(wire.seqs()).toEqual(range(1, 5000));
    for (const f of wire.frames) if (f.type === 'log.batch') expect(f.lines.length).toBeLessThanOrEqual(MAX_LOG_BATCH_LINES);
    expect(wire.frames.at(-1)).toMatchObject({ type: 'step.done', stepId: 's1', result: { lastSeq: 5000 } });
  });

  it('keeps at most a window of lines unacknowledged; the rest goes out from the spool as acks arrive', async () => {
    const wire = new Wire();
    const box = new Outbox(dir, wire, silentLogger);
    const w = box.open('s1');
    const total = SEND_WINDOW_LINES * 2 + 500;
    for (let i = 1; i <= total; i++) w.line('stdout', `line ${i}`);
    await w.flush();
    box.finish('s1', result(total));
    // No ack yet: exactly one window is on the wire, and no step.done.
    expect(wire.seqs()).toEqual(range(1, SEND_WINDOW_LINES));
    expect(wire.frames.some((f) => f.type === 'step.done')).toBe(false);
    // Acks in batch-sized steps, as the control plane sends them.
    for (let acked = 2000; wire.seqs().length < total || acked <= total; acked += 2000) {
      box.onLogAck('s1', Math.min(acked, wire.seqs().at(-1)!));
      await new Promise((r) => setTimeout(r, 5));
      expect(wire.seqs().length - Math.min(acked, total)).toBeLessThanOrEqual(SEND_WINDOW_LINES);
      if (acked > total + SEND_WINDOW_LINES) break;
    }
    expect(wire.seqs()).toEqual(range(1, total));
    expect(wire.frames.at(-1)).toMatchObject({ type: 'step.done', result: { lastSeq: total } });
  });

  it('cuts batches by size for long lines', async () => {
    const wire = new Wire();
    const box = new Outbox(dir, wire, silentLogger);
    const w = box.open('s1');
    for (let i = 0; i < 100; i++) w.line('stdout', 'x'.repeat(10_000));
    await w.flush();
    const batches = wire.frames.filter((f) => f.type === 'log.batch');
    expect(batches.length).toBeGreaterThan(3);
    expect(wire.seqs()).toEqual(range(1, 100));
  });

  it('holds lines while down and replays unacknowledged ones exactly once, in order, on reconnect', async () => {
    const wire = new Wire();
    const box = new Outbox(dir, wire, silentLogger, { flushLines: 50 });
    const w = box.open('s1');
    for (let i = 0; i < 100; i++) w.line('stdout', `a${i}`);
    await w.flush();
    box.onLogAck('s1', 60);
    wire.ready = false; // connection drops; lines 61..100 were sent but never acked
    for (let i = 0; i < 100; i++) w.line('stdout', `b${i}`);
    await w.flush();
    box.finish('s1', result(200));
    expect(wire.frames.some((f) => f.type === 'step.done')).toBe(false);

    wire.ready = true;
    wire.frames = [];
    const replay = box.replay();
    for (let i = 0; i < 50; i++) w.line('stdout', `c${i}`); // must not jump the queue
    await replay;
    await w.flush();
    expect(wire.seqs()).toEqual(range(61, 250));
  });

  it('re-sends the result after each reconnect until step.ack, then forgets the step', async () => {
    const wire = new Wire();
    const box = new Outbox(dir, wire, silentLogger);
    const w = box.open('s1');
    w.line('stdout', 'only');
    await w.flush();
    box.finish('s1', result(1));
    box.onLogAck('s1', 1);
    await box.replay();
    expect(wire.frames.filter((f) => f.type === 'step.done')).toHaveLength(2);
    expect(box.stepIds()).toEqual(['s1']);
    await box.onStepAck('s1');
    expect(box.stepIds()).toEqual([]);
    expect(existsSync(spoolFile(dir, 's1'))).toBe(false);
  });

  it('restores a step from disk after a restart and replays its lines and result', async () => {
    const first = new Outbox(dir, { ready: false, send() {} }, silentLogger);
    const w = first.open('s1');
    for (let i = 0; i < 30; i++) w.line('stdout', `l${i}`);
    await first.close();

    const wire = new Wire();
    const box = new Outbox(dir, wire, silentLogger);
    expect(await Outbox.lastSpooledSeq(dir, 's1')).toBe(30);
    await box.restore('s1', { ...result(30), status: 'failed', error: 'agent restarted' });
    await box.replay();
    expect(wire.seqs()).toEqual(range(1, 30));
    expect(wire.frames.at(-1)).toMatchObject({ type: 'step.done', result: { status: 'failed', error: 'agent restarted' } });
  });
});
