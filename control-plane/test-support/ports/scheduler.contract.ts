import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScheduleDefinition, Scheduler } from '../../src/ports/scheduler.js';
import { PortError } from '../../src/ports/errors.js';
import { sleep, waitFor, type Cluster, type ContractOptions } from './contract-support.js';

interface Fire {
  id: string;
  data: unknown;
  firedAt: Date;
  instance: number;
}

const EVERY_SECOND = '* * * * * *';

/** What every Scheduler adapter must do. Called from each adapter's test file. */
export function schedulerContract(options: ContractOptions<Scheduler>): void {
  describe.skipIf(options.skip ?? false)(`Scheduler contract: ${options.name}`, () => {
    let cluster: Cluster<Scheduler>;
    beforeEach(() => {
      cluster = options.cluster();
    });
    afterEach(async () => {
      await cluster.cleanup();
    });

    function recordFires(scheduler: Scheduler, fires: Fire[], instance = 0): void {
      scheduler.onFire(async (schedule, firedAt) => {
        fires.push({ id: schedule.id, data: schedule.data, firedAt, instance });
      });
    }

    it('refuses cron expressions and time zones it cannot honour on both adapters', async () => {
      const scheduler = cluster.open();
      const base: ScheduleDefinition = { id: 'env:1', cron: '0 3 * * *', data: {} };
      for (const cron of ['@daily', '0 0 L * *', '0 0 15W * *', '61 * * * *', '* * *', '* * * * * * *', '0 0 * * MON#1']) {
        await expect(scheduler.upsert({ ...base, cron }), cron).rejects.toSatisfy((error) => error instanceof PortError && error.code === 'invalid_cron');
      }
      await expect(scheduler.upsert({ ...base, timezone: 'Mars/Olympus' })).rejects.toSatisfy(
        (error) => error instanceof PortError && error.code === 'invalid_time_zone',
      );
      expect(await scheduler.list()).toEqual([]);
    });

    it('lists upserted schedules, replaces by id and removes', async () => {
      const scheduler = cluster.open();
      await scheduler.upsert({ id: 'env:1', cron: '0 3 * * MON-FRI', timezone: 'Europe/Berlin', data: { environmentId: 1 } });
      await scheduler.upsert({ id: 'env:2', cron: '*/15 * * * *', data: { environmentId: 2 } });
      await scheduler.upsert({ id: 'env:1', cron: '30 4 * * *', timezone: 'America/New_York', data: { environmentId: 1, v: 2 } });
      const listed = (await scheduler.list()).sort((a, b) => a.id.localeCompare(b.id));
      expect(listed).toEqual([
        { id: 'env:1', cron: '30 4 * * *', timezone: 'America/New_York', data: { environmentId: 1, v: 2 } },
        { id: 'env:2', cron: '*/15 * * * *', timezone: 'UTC', data: { environmentId: 2 } },
      ]);
      await scheduler.remove('env:1');
      await scheduler.remove('env:unknown');
      expect((await scheduler.list()).map((s) => s.id)).toEqual(['env:2']);
    });

    it('fires once per tick with the schedule and the tick time', async () => {
      const scheduler = cluster.open();
      const fires: Fire[] = [];
      recordFires(scheduler, fires);
      await scheduler.upsert({ id: 'env:7', cron: EVERY_SECOND, data: { environmentId: 7 } });
      await waitFor('two ticks', () => fires.length >= 2, 5_000);
      const [first, second] = fires;
      expect(first).toMatchObject({ id: 'env:7', data: { environmentId: 7 } });
      expect(first!.firedAt.getUTCMilliseconds()).toBe(0);
      expect(second!.firedAt.getTime()).toBeGreaterThan(first!.firedAt.getTime());
      expect(new Set(fires.map((fire) => fire.firedAt.getTime())).size).toBe(fires.length);
    });

    it('fires the replacement after an upsert, and nothing after a remove', async () => {
      const scheduler = cluster.open();
      const fires: Fire[] = [];
      recordFires(scheduler, fires);
      await scheduler.upsert({ id: 'env:8', cron: EVERY_SECOND, data: { v: 1 } });
      await waitFor('a tick of v1', () => fires.length >= 1, 5_000);
      await scheduler.upsert({ id: 'env:8', cron: EVERY_SECOND, data: { v: 2 } });
      // A tick already queued before the upsert may still carry v1; the one after it may not.
      const replacedAt = Date.now();
      await waitFor('a tick of v2', () => fires.some((fire) => (fire.data as { v: number }).v === 2), 5_000);
      const late = fires.filter((fire) => fire.firedAt.getTime() > replacedAt + 1000);
      expect(late.every((fire) => (fire.data as { v: number }).v === 2)).toBe(true);
      await scheduler.remove('env:8');
      const removedAt = Date.now();
      await sleep(2_100);
      expect(fires.filter((fire) => fire.firedAt.getTime() > removedAt + 1000)).toEqual([]);
    });

    it.runIf(options.distributed)('fires each tick on one instance only when three instances run the same schedule', async () => {
      const fires: Fire[] = [];
      const instances = [cluster.open(), cluster.open(), cluster.open()];
      instances.forEach((scheduler, index) => recordFires(scheduler, fires, index));
      // Every instance upserts the same schedule at boot, as the control plane does.
      await Promise.all(instances.map((scheduler) => scheduler.upsert({ id: 'env:9', cron: EVERY_SECOND, data: { environmentId: 9 } })));
      await waitFor('four ticks', () => fires.length >= 4, 8_000);
      await sleep(300);
      const ticks = fires.map((fire) => fire.firedAt.getTime());
      expect(new Set(ticks).size).toBe(ticks.length);
      expect((await instances[0]!.list()).map((s) => s.id)).toEqual(['env:9']);
    });
  });
}
