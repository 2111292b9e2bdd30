import type { PlanServer } from './plan-types.js';
import type { StageName } from './stages.js';
import { switchStep, type PlannedStep } from './steps.js';

type ServerState = Pick<PlanServer, 'liveReleaseId' | 'liveSlot' | 'occupiedSlots'>;

/**
 * Steps that carry a server from one strategy to the other, decided by what runs there now: a live
 * release on a blue/green slot means the traffic proxy holds the public port; so does a slot still
 * running when nothing is live (the last deployment failed after its switch); anything else means
 * the port is the in-place app's (or nobody's yet).
 */
export function behindProxy(server: ServerState): boolean {
  if (server.liveReleaseId !== null) return server.liveSlot === 'blue' || server.liveSlot === 'green';
  return (server.occupiedSlots ?? []).length > 0;
}

const IN_PLACE_GRACE_MS = 10_000;

/**
 * The blue-green switch of a deploy or rollback. Unless the proxy already has the port, the switch
 * also stops the in-place app and takes the port from it: the one change with a short gap (the app
 * closing the port until the proxy's next try), said in the step's name and log.
 */
export function blueGreenSwitchStep(
  server: ServerState,
  name: string,
  args: Omit<Parameters<typeof switchStep>[1], 'takeOverFrom'>,
): PlannedStep {
  if (behindProxy(server)) return switchStep(name, args);
  const leaving = server.liveReleaseId !== null;
  return switchStep(
    leaving ? `${name}, taking the port from the in-place app (leaving in-place: requests may fail for a moment, this change only)` : name,
    { ...args, takeOverFrom: { slot: 'main', graceMs: IN_PLACE_GRACE_MS } },
  );
}

/**
 * Leaving blue-green for in-place: before the app starts on the public port, the proxy gives the
 * port up (requests fail until the app listens); after it started, the slots are stopped (a slot
 * finishes what the proxy still sends it before it exits).
 */
export function leaveBlueGreenSteps(stage: StageName, args: { app: string; port: number; drainMs: number; timeoutMs: number }): { before: PlannedStep[]; after: PlannedStep[] } {
  const { app, port, drainMs, timeoutMs } = args;
  return {
    before: [
      {
        stage,
        phase: 'main',
        name: `stop the traffic proxy on port ${port} (leaving blue-green: the in-place app takes the port; requests fail until it listens)`,
        spec: { kind: 'traffic.remove', app, listenPort: port, drainMs, timeoutMs },
      },
    ],
    after: (['blue', 'green'] as const).map((slot) => ({
      stage,
      phase: 'main',
      name: `stop ${slot} slot (leaving blue-green)`,
      spec: { kind: 'slot.stop', app, slot, graceMs: IN_PLACE_GRACE_MS, timeoutMs },
    })),
  };
}
