import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { ReleaseStore } from './releases.js';

/** Release records as the orchestrator writes them: which release `current` points at per server. */
let db: Db;
let releases: ReleaseStore;
beforeAll(async () => {
  db = await openDb(':memory:');
  await db.execute('PRAGMA foreign_keys = OFF');
  await migrate(db);
  releases = new ReleaseStore(db);
});
afterAll(() => db.close());

describe('ReleaseStore.currentByServer', () => {
  it('is the live release, or the newer one that failed after activation (bad, still in place); never a merely staged one', async () => {
    const env = 'env_current';
    for (const [server, release] of [['s1', 'r1'], ['s1', 'r2'], ['s1', 'r3'], ['s2', 'r1'], ['s2', 'r2']] as const) await releases.stage(env, server, release, `dep_${release}`, null);
    await releases.activate(env, 's1', 'r1');
    await releases.activate(env, 's2', 'r1');
    await new Promise((r) => setTimeout(r, 5));
    // r2 went live on s1 and then failed its health check; on s2 it never got past staging. r3 is only staged.
    await releases.setSlot(env, 's1', 'r2', 'green');
    await releases.activate(env, 's1', 'r2');
    await releases.markBad(env, 's1', 'r2');
    const current = await releases.currentByServer(env);
    expect(new Map([...current].map(([server, r]) => [server, r.releaseId]))).toEqual(new Map([['s1', 'r2'], ['s2', 'r1']]));
    // Traffic still goes to the bad release's slot: the next deployment must use the other one.
    expect(current.get('s1')?.slot).toBe('green');
    expect([...(await releases.liveByServer(env)).keys()]).toEqual(['s2']);

    // Rolled back to r1 on s1: current is r1 again.
    await new Promise((r) => setTimeout(r, 5));
    await releases.activate(env, 's1', 'r1');
    expect((await releases.currentByServer(env)).get('s1')?.releaseId).toBe('r1');
  });
});
