import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { planRollback, type RollbackPlanInput } from './rollback.js';
import { argvOf, expectSendable, nodeInput, outline } from '../../test-support/pipeline.js';

function input(over: Partial<RollbackPlanInput> = {}): RollbackPlanInput {
  return {
    targetReleaseId: 'r1',
    project: { preset: 'node' },
    environment: nodeInput().environment,
    servers: [
      { serverId: 's1', liveReleaseId: 'r2', liveSlot: null },
      { serverId: 's2', liveReleaseId: 'r2', liveSlot: null },
    ],
    options: {},
    ...over,
  };
}

describe('planRollback', () => {
  it('in-place: switch back, restart, health-check; no fetch, install or build', () => {
    const plan = planRollback(input());
    expectSendable(plan);
    expect(plan.releaseId).toBe('r1');
    expect(outline(plan.servers[1]!.steps)).toEqual([
      'activate/main:release.rollback switch current back to r1',
      'restart/main:slot.start start app on port 3000: npm start',
      'healthcheck/main:health.check health check http://127.0.0.1:3000/up',
    ]);
    expect(plan.servers[0]!.steps[1]!.spec).toMatchObject({ releaseId: 'r1', env: { DEBUG: '1', DEVFLOW_RELEASE: 'r1' } });
    const withCommit = planRollback(input({ targetCommit: 'abc1234' }));
    expect(withCommit.servers[0]!.steps[1]!.spec).toMatchObject({ env: { DEVFLOW_COMMIT: 'abc1234' } });
  });

  it('restores the release variables snapshot and runs the down-migration once, in the live release', () => {
    const environment = { ...nodeInput().environment, settings: { downMigrate: 'npm run migrate:down' } };
    const plan = planRollback(input({ environment, variablesSnapshot: { OLD_SECRET: 'older-value' }, options: { restoreVariables: true, runDownMigration: true } }));
    expectSendable(plan);
    const [first, second] = plan.servers;
    expect(outline(first!.steps).slice(0, 2)).toEqual(['link/main:release.link restore .env of r1', 'migrate/main:exec npm run migrate:down']);
    expect(first!.steps[0]!.spec).toMatchObject({ releaseId: 'r1', envFile: { content: "OLD_SECRET='older-value'\n" } });
    expect(first!.steps[1]!.spec).toMatchObject({ release: { releaseId: 'r2' } });
    expect(second!.steps.some((s) => s.stage === 'migrate')).toBe(false);
    expect(first!.steps.find((s) => s.spec.kind === 'slot.start')!.spec).toMatchObject({ env: { OLD_SECRET: 'older-value' } });
    expect(plan.secrets).toEqual(expect.arrayContaining(['older-value', 'postgres://u:pw@db/x']));
  });

  it('runs the down-migration in the release current on the server even when it failed after activation (marked bad, not live)', () => {
    const environment = { ...nodeInput().environment, settings: { downMigrate: 'npm run migrate:down' } };
    const plan = planRollback(input({ environment, servers: [{ serverId: 's1', liveReleaseId: null, liveSlot: null, currentReleaseId: 'r3' }], options: { runDownMigration: true } }));
    expect(outline(plan.servers[0]!.steps)[0]).toBe('migrate/main:exec npm run migrate:down');
    expect(plan.servers[0]!.steps[0]!.spec).toMatchObject({ release: { releaseId: 'r3' } });
    // Nothing activated there yet: the option is refused, never silently skipped.
    expect(() => planRollback(input({ environment, servers: [{ serverId: 's1', liveReleaseId: null, liveSlot: null }], options: { runDownMigration: true } }))).toThrow(/no current release to run the down-migration in/);
  });

  it('blue-green: switches straight back to the old slot when it still runs the target', () => {
    const environment = { ...nodeInput().environment, settings: { strategy: 'blue-green' as const } };
    const plan = planRollback(input({ environment, servers: [{ serverId: 's1', liveReleaseId: 'r2', liveSlot: 'green', idleSlotReleaseId: 'r1' }] }));
    expectSendable(plan);
    expect(outline(plan.servers[0]!.steps)).toEqual([
      'activate/main:slot.start keep blue slot running r1 (or start it) on port 3001: npm start',
      'activate/main:health.check health check http://127.0.0.1:3001/up',
      'activate/main:traffic.switch switch traffic on port 3000 back to blue',
      'activate/main:release.rollback switch current back to r1',
      'healthcheck/main:health.check health check http://127.0.0.1:3000/up',
    ]);
    // The agent keeps the running process (or starts it if it stopped since); one probe is enough.
    expect(plan.servers[0]!.steps[0]!.spec).toMatchObject({ kind: 'slot.start', keepRunning: true, slot: 'blue', releaseId: 'r1' });
    expect(plan.servers[0]!.steps[1]!.spec).toMatchObject({ healthyAfter: 1, stopSlotOnFailure: true, slot: { slot: 'blue' } });
    expect(plan.servers[0]!.steps[2]!.spec).toMatchObject({ drainMs: 30_000 });
    expect(plan.servers[0]!.steps[2]!.spec).not.toHaveProperty('stopPreviousAfterMs');
  });

  it('blue-green: drain time, old-slot keep time and health-check pacing come from the settings', () => {
    const settings = { strategy: 'blue-green' as const, blueGreen: { drainTimeout: 5, stopOldSlotAfter: 600 }, healthcheck: { interval: 0.25, attemptTimeout: 2, healthyAfter: 3 } };
    const environment = { ...nodeInput().environment, settings };
    const plan = planRollback(input({ environment, servers: [{ serverId: 's1', liveReleaseId: 'r2', liveSlot: 'blue', idleSlotReleaseId: 'r3' }] }));
    const [start, health, sw] = plan.servers[0]!.steps;
    expect(start!.spec).toMatchObject({ kind: 'slot.start', slot: 'green', keepRunning: true });
    expect(health!.spec).toMatchObject({ intervalMs: 250, attemptTimeoutMs: 2000, healthyAfter: 3 });
    expect(sw!.spec).toMatchObject({ kind: 'traffic.switch', drainMs: 5000, stopPreviousAfterMs: 600_000 });
    const restoring = planRollback(input({ environment, variablesSnapshot: { A: 'b' }, options: { restoreVariables: true }, servers: [{ serverId: 's1', liveReleaseId: 'r2', liveSlot: 'blue', idleSlotReleaseId: 'r1' }] }));
    // One rule with or without the snapshot: the slot gets the variables that apply; the agent keeps a
    // running process only when it runs with exactly those (agent/src/supervisor/start.ts).
    expect(restoring.servers[0]!.steps.find((s) => s.spec.kind === 'slot.start')!.spec).toMatchObject({ keepRunning: true, env: expect.objectContaining({ A: 'b' }) });
    const current = planRollback(input({ environment, servers: [{ serverId: 's1', liveReleaseId: 'r2', liveSlot: 'blue', idleSlotReleaseId: 'r1' }] }));
    expect(current.servers[0]!.steps.find((s) => s.spec.kind === 'slot.start')!.spec).toMatchObject({ keepRunning: true, env: expect.objectContaining(environment.variables) });
  });

  it('blue-green: starts the target on the idle slot when it is not running there', () => {
    const environment = { ...nodeInput().environment, settings: { strategy: 'blue-green' as const } };
    const plan = planRollback(input({ environment, servers: [{ serverId: 's1', liveReleaseId: 'r2', liveSlot: 'blue', idleSlotReleaseId: null }] }));
    expect(argvOf(plan.servers[0]!.steps[0])).toEqual(['npm', 'start']);
    expect(plan.servers[0]!.steps[0]!.spec).toMatchObject({ kind: 'slot.start', slot: 'green', port: 3002, releaseId: 'r1' });
  });

  it('refuses what it cannot do, naming the option', () => {
    const field = (over: Partial<RollbackPlanInput>) => {
      try {
        planRollback(input(over));
        return 'no error';
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        return (err as AppError).details?.field;
      }
    };
    expect(field({ options: { restoreVariables: true } })).toBe('restoreVariables');
    expect(field({ options: { runDownMigration: true } })).toBe('runDownMigration');
    expect(field({ servers: [] })).toBe('servers');
  });

  it('across a strategy change: back to in-place frees the proxy port and stops the slots; back to blue-green takes the port from the in-place app', () => {
    const toInPlace = planRollback(input({ servers: [{ serverId: 's1', liveReleaseId: 'r2', liveSlot: 'blue', idleSlotReleaseId: 'r1' }] }));
    expectSendable(toInPlace);
    expect(outline(toInPlace.servers[0]!.steps)).toEqual([
      'activate/main:release.rollback switch current back to r1',
      'restart/main:traffic.remove stop the traffic proxy on port 3000 (leaving blue-green: the in-place app takes the port; requests fail until it listens)',
      'restart/main:slot.start start app on port 3000: npm start',
      'restart/main:slot.stop stop blue slot (leaving blue-green)',
      'restart/main:slot.stop stop green slot (leaving blue-green)',
      'healthcheck/main:health.check health check http://127.0.0.1:3000/up',
    ]);

    const environment = { ...nodeInput().environment, settings: {} };
    const toBlueGreen = planRollback(input({ environment, servers: [{ serverId: 's1', liveReleaseId: 'r2', liveSlot: null, idleSlotReleaseId: null }] }));
    expectSendable(toBlueGreen);
    const steps = toBlueGreen.servers[0]!.steps;
    expect(steps[0]!.spec).toMatchObject({ kind: 'slot.start', slot: 'blue', releaseId: 'r1' });
    expect(steps.find((s) => s.spec.kind === 'traffic.switch')).toMatchObject({
      name: expect.stringMatching(/^switch traffic on port 3000 back to blue, taking the port from the in-place app/),
      spec: { takeOverFrom: { slot: 'main' } },
    });
  });
});
