import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { runPhases, shutdownWithin } from './shutdown.js';

describe('shutdown phases', () => {
  it('runs phases in order, one after the other, and keeps going after a failure', async () => {
    const seen: string[] = [];
    const reports = await runPhases(
      [
        { name: 'stop accepting', run: async () => { await new Promise((r) => setTimeout(r, 20)); seen.push('stop accepting'); } },
        { name: 'detach', run: () => { seen.push('detach'); throw new Error('database gone'); } },
        { name: 'close agents', run: () => { seen.push('close agents'); } },
      ],
      createLogger('silent'),
    );
    expect(seen).toEqual(['stop accepting', 'detach', 'close agents']);
    expect(reports.map((r) => [r.name, r.error])).toEqual([
      ['stop accepting', undefined],
      ['detach', 'database gone'],
      ['close agents', undefined],
    ]);
  });

  it('bounds the whole shutdown: clean, timed out or failed', async () => {
    expect(await shutdownWithin(async () => undefined, 1000)).toMatchObject({ kind: 'clean' });
    const stuck = await shutdownWithin(() => new Promise(() => undefined), 50);
    expect(stuck).toMatchObject({ kind: 'timed_out' });
    expect(await shutdownWithin(() => Promise.reject(new Error('boom')), 1000)).toEqual({ kind: 'failed', ms: expect.any(Number), error: 'boom' });
  });
});
