import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { DeploymentStore } from '../deployments/store.js';
import type { Deployment } from '../deployments/types.js';
import { handOver, STALE_AFTER_MS, Takeover } from './takeover.js';

/**
 * The sweep's choices against a real database: which running deployments are orphaned, that
 * exactly one of two instances adopts each, and which queues count as stalled. The queue side
 * records what it is asked and claims through the real store, like DeploymentQueue.adopt does.
 */
let dir: string;
let db: Db;
let store: DeploymentStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'devflow-takeover-'));
  db = await openDb(`file:${join(dir, 'db.sqlite')}`);
  await migrate(db);
  store = new DeploymentStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function instance(instanceId: string, sweepMs?: number) {
  const adopted: { id: string; notes: { resume: string } }[] = [];
  const woken: string[] = [];
  const takeover = new Takeover({
    db,
    store,
    instanceId,
    logger: createLogger('silent'),
    ...(sweepMs ? { sweepMs } : {}),
    queue: {
      adopt: async (dep: Deployment, staleBefore: number, notes: { resume: string; replan: string; unreadable: string }) => {
        if (!(await store.reclaim(dep.id, instanceId, staleBefore))) return false;
        adopted.push({ id: dep.id, notes });
        return true;
      },
      wake: async (projectId: string) => {
        woken.push(projectId);
      },
    },
  });
  return { takeover, adopted, woken };
}

async function running(id: string, projectId: string, claimedBy: string | null, heartbeatAt: number | null): Promise<void> {
  await store.insert({ id, projectId, environmentId: 'env_1', kind: 'deploy', trigger: 'manual', userId: null, branch: 'main', commit: null, options: {}, status: 'queued' });
  await db.execute({ sql: "UPDATE deployments SET status = 'running', claimed_by = ?, heartbeat_at = ?, started_at = ? WHERE id = ?", args: [claimedBy, heartbeatAt, Date.now(), id] });
}

async function queued(id: string, projectId: string, ageMs: number): Promise<void> {
  await store.insert({ id, projectId, environmentId: 'env_1', kind: 'deploy', trigger: 'manual', userId: null, branch: 'main', commit: null, options: {}, status: 'queued' });
  await db.execute({ sql: 'UPDATE deployments SET created_at = ? WHERE id = ?', args: [Date.now() - ageMs, id] });
}

const claimedBy = async (id: string) => (await db.execute({ sql: 'SELECT claimed_by FROM deployments WHERE id = ?', args: [id] })).rows[0]?.claimed_by;

describe('takeover sweep', () => {
  it('adopts deployments whose owner stopped heartbeating, never fresh ones or its own', async () => {
    const now = Date.now();
    await running('dep_dead', 'prj_1', 'cp_dead', now - STALE_AFTER_MS - 1000);
    await running('dep_alive', 'prj_2', 'cp_alive', now);
    await running('dep_mine', 'prj_3', 'cp_b', now - STALE_AFTER_MS - 1000);
    await running('dep_handed', 'prj_4', 'cp_gone', null);
    const b = instance('cp_b');
    expect((await b.takeover.sweep()).sort()).toEqual(['dep_dead', 'dep_handed']);
    expect(await claimedBy('dep_dead')).toBe('cp_b');
    expect(await claimedBy('dep_alive')).toBe('cp_alive');
    expect(b.adopted.find((a) => a.id === 'dep_dead')?.notes.resume).toMatch(/^taken over by instance cp_b from instance cp_dead \(no heartbeat for \d+ s\)/);
    expect(b.adopted.find((a) => a.id === 'dep_handed')?.notes.resume).toMatch(/handed over at shutdown/);
    // Adopted ones now carry a fresh heartbeat: a second sweep leaves them alone.
    expect(await b.takeover.sweep()).toEqual([]);
  });

  it('lets exactly one of two instances adopt an orphan', async () => {
    await running('dep_x', 'prj_1', 'cp_dead', Date.now() - STALE_AFTER_MS - 1000);
    const [b, c] = [instance('cp_b'), instance('cp_c')];
    const [fromB, fromC] = await Promise.all([b.takeover.sweep(), c.takeover.sweep()]);
    expect([...fromB, ...fromC]).toEqual(['dep_x']);
  });

  it('hands over at shutdown: only this instance’s running deployments lose their heartbeat', async () => {
    await running('dep_a', 'prj_1', 'cp_a', Date.now());
    await running('dep_b', 'prj_2', 'cp_b', Date.now());
    expect(await handOver(db, 'cp_a')).toBe(1);
    const rows = (await db.execute('SELECT id, heartbeat_at FROM deployments ORDER BY id')).rows;
    expect(rows.map((r) => [r.id, r.heartbeat_at === null])).toEqual([
      ['dep_a', true],
      ['dep_b', false],
    ]);
  });

  it('re-wakes a project whose queued deployment waits with nothing running, not one that is busy or just queued', async () => {
    await queued('dep_q1', 'prj_stalled', 10_000);
    await queued('dep_q2', 'prj_busy', 10_000);
    await running('dep_r', 'prj_busy', 'cp_alive', Date.now());
    await queued('dep_q3', 'prj_fresh', 0);
    const b = instance('cp_b');
    await b.takeover.sweep();
    expect(b.woken).toEqual(['prj_stalled']);
  });

  it('sweeps on its own once started, and stop() waits for a sweep in progress', async () => {
    await running('dep_y', 'prj_1', 'cp_dead', Date.now() - STALE_AFTER_MS - 1000);
    const b = instance('cp_b', 20);
    b.takeover.start();
    for (let i = 0; i < 100 && b.adopted.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await b.takeover.stop();
    expect(b.adopted.map((a) => a.id)).toEqual(['dep_y']);
  });
});
