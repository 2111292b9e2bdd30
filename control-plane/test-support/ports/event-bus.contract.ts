import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/ports/event-bus.js';
import { PortError } from '../../src/ports/errors.js';
import { RecordingLogger, waitFor, type Cluster, type ContractOptions } from './contract-support.js';

/** What every EventBus adapter must do. Called from each adapter's test file. */
export function eventBusContract(options: ContractOptions<EventBus>): void {
  describe.skipIf(options.skip ?? false)(`EventBus contract: ${options.name}`, () => {
    let cluster: Cluster<EventBus>;
    beforeEach(() => {
      cluster = options.cluster();
    });
    afterEach(async () => {
      await cluster.cleanup();
    });

    it('delivers JSON copies to every subscriber of the topic, in publish order', async () => {
      const bus = cluster.open();
      const first: unknown[] = [];
      const second: unknown[] = [];
      await bus.subscribe('deployment:1', (event) => first.push(event));
      await bus.subscribe('deployment:1', (event) => second.push(event));
      const at = new Date('2030-01-02T03:04:05.000Z');
      for (let i = 0; i < 20; i++) await bus.publish('deployment:1', { seq: i, at });
      await waitFor('20 events on both subscribers', () => first.length === 20 && second.length === 20);
      expect(first.map((event) => (event as { seq: number }).seq)).toEqual([...Array(20).keys()]);
      expect(first[0]).toEqual({ seq: 0, at: '2030-01-02T03:04:05.000Z' });
      expect(first[0]).not.toBe(second[0]);
    });

    it('keeps topics apart', async () => {
      const bus = cluster.open();
      const logs: unknown[] = [];
      const servers: unknown[] = [];
      await bus.subscribe('logs', (event) => logs.push(event));
      await bus.subscribe('servers', (event) => servers.push(event));
      await bus.publish('servers', { n: 1 });
      await bus.publish('logs', { n: 2 });
      await waitFor('both events', () => logs.length === 1 && servers.length === 1);
      expect(logs).toEqual([{ n: 2 }]);
      expect(servers).toEqual([{ n: 1 }]);
    });

    it('stops delivering to an unsubscribed handler and keeps the others', async () => {
      const bus = cluster.open();
      const gone: unknown[] = [];
      const kept: unknown[] = [];
      const unsubscribe = await bus.subscribe('topic', (event) => gone.push(event));
      await bus.subscribe('topic', (event) => kept.push(event));
      await bus.publish('topic', 'before');
      await waitFor('first event', () => gone.length === 1 && kept.length === 1);
      await unsubscribe();
      await bus.publish('topic', 'after');
      // Both handlers would get "after" in the same delivery, so once `kept` has it, `gone` would too.
      await waitFor('second event on the kept handler', () => kept.length === 2);
      expect(gone).toEqual(['before']);
      expect(kept).toEqual(['before', 'after']);
    });

    it('stops delivery on the topic after its last handler unsubscribes, and can subscribe again', async () => {
      const bus = cluster.open();
      const seen: unknown[] = [];
      const unsubscribe = await bus.subscribe('again', (event) => seen.push(event));
      await unsubscribe();
      await bus.publish('again', 'lost');
      await bus.subscribe('again', (event) => seen.push(event));
      await bus.publish('again', 'found');
      await waitFor('event after resubscribing', () => seen.length >= 1);
      expect(seen).toEqual(['found']);
    });

    it('keeps delivering when one subscriber throws, and logs the failure', async () => {
      const logger = new RecordingLogger();
      const bus = cluster.open(logger);
      const seen: unknown[] = [];
      await bus.subscribe('t', () => {
        throw new Error('subscriber broke');
      });
      await bus.subscribe('t', (event) => seen.push(event));
      await bus.publish('t', 1);
      await waitFor('event on the healthy subscriber', () => seen.length === 1);
      await waitFor('logged subscriber failure', () => logger.matching('event subscriber threw').length === 1);
    });

    it('refuses events that are not JSON', async () => {
      const bus = cluster.open();
      await expect(bus.publish('t', { big: 1n })).rejects.toSatisfy((error) => error instanceof PortError && error.code === 'event_not_json');
      await expect(bus.publish('t', undefined)).rejects.toBeInstanceOf(PortError);
    });

    it.runIf(options.distributed)('delivers events across instances, both ways', async () => {
      const a = cluster.open();
      const b = cluster.open();
      const onA: unknown[] = [];
      const onB: unknown[] = [];
      await a.subscribe('agent:42', (event) => onA.push(event));
      await b.subscribe('agent:42', (event) => onB.push(event));
      await b.publish('agent:42', { from: 'b' });
      await a.publish('agent:42', { from: 'a' });
      await waitFor('both events on both instances', () => onA.length === 2 && onB.length === 2);
      expect(new Set(onA.map((e) => JSON.stringify(e)))).toEqual(new Set(['{"from":"a"}', '{"from":"b"}']));
      expect(new Set(onB.map((e) => JSON.stringify(e)))).toEqual(new Set(['{"from":"a"}', '{"from":"b"}']));
    });

    it.runIf(options.distributed)('does not deliver across clusters with different prefixes', async () => {
      const mine = cluster.open();
      const other = options.cluster();
      try {
        const foreign = other.open();
        const seen: unknown[] = [];
        await mine.subscribe('shared-topic', (event) => seen.push(event));
        // PUBLISH returns after Redis dispatched it, so a leak would arrive before 'mine'.
        await foreign.publish('shared-topic', 'foreign');
        await mine.publish('shared-topic', 'mine');
        await waitFor('own event', () => seen.length >= 1);
        expect(seen).toEqual(['mine']);
      } finally {
        await other.cleanup();
      }
    });
  });
}
