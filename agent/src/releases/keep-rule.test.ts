import { describe, expect, it } from 'vitest';
import { releasesToKeep, type KeepCandidate } from './keep-rule.js';

/** Releases oldest first from a compact picture: "g" went live, "f" never did (failed, cancelled). */
function releases(picture: string): KeepCandidate[] {
  return (picture ? picture.split(' ') : []).map((token, minute) => ({ id: `${token}${minute}`, createdAt: new Date(Date.UTC(2026, 0, 1, 12, minute)), wentLive: token === 'g' }));
}
const kept = (picture: string, keep: number, protect: string[] = []) => [...releasesToKeep(releases(picture), keep, protect)].sort();

describe('releasesToKeep', () => {
  it('never lets releases that did not go live push good ones out', () => {
    // keep = 3; the newest four never went live (the issue: they took the rollback slots).
    expect(kept('g g g f f f f', 3)).toEqual(['g0', 'g1', 'g2']);
  });

  it('keeps the newest `keep` releases that went live and drops older good ones', () => {
    expect(kept('g g g g g', 2)).toEqual(['g3', 'g4']);
  });

  it('fills the room left with the newest releases that never went live', () => {
    expect(kept('f g f g f', 4)).toEqual(['f2', 'f4', 'g1', 'g3']);
  });

  it('keeps protected releases whatever their age and counts them in the room', () => {
    // f6 is this deployment's release (protected); g0 is what was live before it.
    expect(kept('g g g g f f f', 2, ['f6', 'g0'])).toEqual(['f6', 'g0', 'g2', 'g3']);
    expect(kept('g f f f', 3, ['f3'])).toEqual(['f2', 'f3', 'g0']);
  });

  it('keeps nothing but what is asked when there is nothing to keep', () => {
    expect(kept('', 3)).toEqual([]);
    expect(kept('f f', 1)).toEqual(['f1']);
  });
});
