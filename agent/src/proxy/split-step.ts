import type { StepSpecOf } from '@devflow/protocol';
import { waitSlotDrained } from '../supervisor/drain-wait.js';
import { clearSlotState, readSlotState } from '../supervisor/state.js';
import { stopSlotProcess } from '../supervisor/stop.js';
import { StepFailedError, type StepContext, type StepOutcome } from '../steps/handler.js';
import { ProxyClient } from './client.js';
import { ProxyError } from './control-protocol.js';

/** Proxy errors are the step's own failure, with the proxy's message (no route, not running). */
async function proxied<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ProxyError) throw new StepFailedError(`${what} failed (${err.code}): ${err.message}`, null, null, { cause: err });
    throw err;
  }
}

/**
 * traffic.split: start, re-weight or end the canary split of the app's route. Ending it moves all
 * traffic to the baseline before this returns its first line; with `stopCanary`, the step then
 * waits until the proxy drained the canary and stops its process, so a request the canary took
 * still finishes.
 */
export async function trafficSplit(spec: StepSpecOf<'traffic.split'>, ctx: StepContext): Promise<StepOutcome> {
  const { app, canary, weight, drainMs } = spec;
  const client = ProxyClient.forDataDir(ctx.dataDir);
  const { route, previous } = await proxied('traffic split', () => client.split({ app, canary, weight, drainMs }));
  const at = new Date().toISOString();
  if (canary) ctx.log('system', `${app}: ${weight}% of clients to canary ${canary.slot}:${canary.targetPort}, the rest to ${route.slot}:${route.targetPort} (since ${at})`);
  else ctx.log('system', `${app}: all traffic on ${route.slot}:${route.targetPort} at ${at}${previous ? `; canary ${previous.canary.slot} drains for up to ${drainMs} ms` : ' (it was not split)'}`);
  if (!canary && spec.stopCanary) {
    const { slot, graceMs } = spec.stopCanary;
    const state = await readSlotState(ctx.dataDir, app, slot);
    if (state) {
      const waited = await waitSlotDrained(ctx.dataDir, app, state.port, ctx.signal, (busy) => ctx.log('system', `${app}: waiting for ${busy} connection(s) the proxy drains to the canary ${slot}`));
      const stopped = await stopSlotProcess(state, graceMs);
      await clearSlotState(ctx.dataDir, app, slot);
      ctx.log('system', `${app}: canary ${slot} (release ${state.releaseId}) stopped after ${Math.round(waited)} ms of drain${stopped.killed ? ' (SIGKILL)' : ''}`);
    }
  }
  return { output: { split: previous, endedAt: canary ? null : Date.now() } };
}

/** traffic.stats: the split's counters as the proxy has them now (cumulative since the split began). */
export async function trafficStats(spec: StepSpecOf<'traffic.stats'>, ctx: StepContext): Promise<StepOutcome> {
  const { split } = await proxied('reading the traffic counters', () => ProxyClient.forDataDir(ctx.dataDir).stats(spec.app));
  if (split === null) ctx.log('system', `${spec.app}: the route is not split`);
  return { output: { split } };
}
