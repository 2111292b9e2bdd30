import type { RouteSplit, SplitStats } from './control-protocol.js';
import type { Route } from './router.js';
import { TrafficSplit } from './split.js';
import { Upstream } from './upstream.js';

/**
 * A route's canary split as the router changes it: started (or re-weighted, keeping its counters),
 * ended (the canary drains, all traffic on the baseline from the next request) or promoted (the
 * canary becomes the route's target, the old baseline drains). Counting stops with the split.
 */
export function startSplit(route: Route, target: RouteSplit, drainMs: number, log?: (line: string) => void): void {
  const current = route.split;
  if (current !== null && current.canary.slot === target.slot && current.canary.port === target.targetPort) {
    current.setWeight(target.weight);
  } else {
    if (current !== null) endSplit(route, drainMs, log);
    const split = new TrafficSplit(route.record.app, new Upstream(target.slot, target.targetPort), target.weight);
    split.canary.stats = split.canaryStats;
    route.active.stats = split.baselineStats;
    route.split = split;
  }
  route.record = { ...route.record, split: { ...target } };
}

/** All traffic back to the baseline at once; the canary's requests in flight finish within drainMs. */
export function endSplit(route: Route, drainMs: number, log?: (line: string) => void): void {
  const split = route.split;
  if (split === null) return;
  route.split = null;
  route.active.stats = null;
  const canary = split.canary;
  canary.stats = null;
  route.draining.add(canary);
  canary.drain(drainMs, () => {
    route.draining.delete(canary);
    log?.(`route ${route.record.app}: canary ${canary.slot} (127.0.0.1:${canary.port}) drained`);
  });
  const { split: _ended, ...record } = route.record;
  route.record = record;
}

/** The canary takes all traffic (its pool and WebSockets stay); the old baseline drains. */
export function promoteCanary(route: Route, drainMs: number, log?: (line: string) => void): void {
  const split = route.split;
  if (split === null) return;
  route.split = null;
  const old = route.active;
  old.stats = null;
  split.canary.stats = null;
  route.active = split.canary;
  route.draining.add(old);
  old.drain(drainMs, () => {
    route.draining.delete(old);
    log?.(`route ${route.record.app}: ${old.slot} (127.0.0.1:${old.port}) drained`);
  });
  const { split: _ended, ...record } = route.record;
  route.record = record;
}

export function splitStats(route: Route): SplitStats | null {
  const split = route.split;
  if (split === null) return null;
  return {
    weight: split.weight,
    since: split.since,
    baseline: { slot: route.active.slot, targetPort: route.active.port, stats: split.baselineStats.snapshot() },
    canary: { slot: split.canary.slot, targetPort: split.canary.port, stats: split.canaryStats.snapshot() },
  };
}
