import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../testing/harness.js';

/** The schedule service in an embedded control plane (memory scheduler, real database). */
let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(() => cp.dispose());

describe('scheduled deployments', () => {
  it('handles a tick delivered twice once, and records why a tick made no deployment', async () => {
    const { schedules, db } = cp.services;
    const tick = new Date('2030-01-01T03:00:00.000Z');
    const definition = { id: 'env:env_gone', cron: '0 3 * * *', data: { environmentId: 'env_gone' } };
    await Promise.all([schedules.fire(definition, tick), schedules.fire(definition, tick)]);
    const rows = (await db.execute("SELECT outcome, error, deployment_id FROM schedule_fires WHERE environment_id = 'env_gone'")).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'error', error: 'the schedule was removed or disabled', deployment_id: null });
  });

  it('answers 404 for a schedule of an unknown project or environment', async () => {
    const { schedules } = cp.services;
    await expect(schedules.set('usr_x', 'nope', 'production', { cron: '0 3 * * *' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps the scheduler in step with the database: registrations nobody stores are dropped', async () => {
    const { schedules, scheduler } = cp.services;
    await scheduler.upsert({ id: 'env:orphan', cron: '0 3 * * *', data: { environmentId: 'orphan' } });
    await schedules.sync();
    expect((await scheduler.list()).map((s) => s.id)).not.toContain('env:orphan');
  });
});
