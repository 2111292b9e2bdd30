import { describe, expect, it } from 'vitest';
import { rollbackVariables } from './rollback-variables.js';

describe('rollbackVariables', () => {
  it('applies the current variables unless the snapshot is restored, naming what changed', () => {
    const now = { GREETING: 'hello-three', DB: 'x', NEW: '1' };
    const then = { GREETING: 'hello-two', DB: 'x', GONE: 'y' };
    const current = rollbackVariables('r2', now, then, false);
    expect(current).toMatchObject({ applies: 'current', changed: ['GONE', 'GREETING', 'NEW'] });
    expect(current.note).toBe("variables: the environment's current ones (GONE, GREETING, NEW changed since release r2 ran; a blue-green slot still running it is restarted with the current values; --restore-variables would apply the release's own)");
    expect(rollbackVariables('r2', now, then, true)).toMatchObject({ applies: 'snapshot', note: 'variables: the snapshot of release r2 (--restore-variables); differs from the current ones in GONE, GREETING, NEW' });
    expect(rollbackVariables('r2', now, { ...now }, false).note).toBe("variables: the environment's current ones (the same as release r2 ran with)");
    expect(rollbackVariables('r2', now, null, false)).toMatchObject({ applies: 'current', changed: null, note: expect.stringContaining('kept no snapshot') });
  });
});
