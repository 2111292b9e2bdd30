import { SlotName, type StepSpecOf } from '@devflow/protocol';
import { scheduleRetire } from '../supervisor/retire.js';
import { readSlotState } from '../supervisor/state.js';
import { StepFailedError, type StepContext, type StepOutcome } from '../steps/handler.js';
import { ProxyClient } from './client.js';
import { ProxyError } from './control-protocol.js';
import { ensureProxy, type EnsureProxyOptions } from './ensure.js';
import { takeOverPort } from './take-over.js';

/**
 * traffic.switch: make sure the proxy runs, then point the app's public port at the slot. New
 * requests go to the new slot from that moment (`switchedAt`); the old one drains. With
 * `takeOverFrom`, the in-place app on the port is stopped and the proxy takes the port from it.
 */
export function createTrafficSwitch(options: EnsureProxyOptions = {}) {
  return async function trafficSwitch(spec: StepSpecOf<'traffic.switch'>, ctx: StepContext): Promise<StepOutcome> {
    try {
      const { app, listenPort, slot, targetPort, drainMs } = spec;
      const client = ProxyClient.forDataDir(ctx.dataDir);
      const request = { app, listenPort, slot, targetPort, drainMs, ...(spec.hostname ? { hostname: spec.hostname } : {}) };
      // Ask the running proxy first (one round trip on the hot path); start it only when none answers.
      // Taking over only when the in-place app is there (the first deployment has none).
      const from = spec.takeOverFrom && (await readSlotState(ctx.dataDir, app, spec.takeOverFrom.slot)) !== null ? spec.takeOverFrom : null;
      const { route, previous, changed } = from
        ? await takeOverPort(client, request, from, ctx, options)
        : await client.switch(request).catch(async (err: unknown) => {
            if (!(err instanceof ProxyError) || err.code !== 'NOT_RUNNING') throw err;
            const { status, started } = await ensureProxy(ctx.dataDir, options);
            if (started) ctx.log('system', `started the traffic proxy (pid ${status.pid})`);
            return client.switch(request);
          });
      const at = new Date(route.switchedAt).toISOString();
      if (!changed) ctx.log('system', `${app}: :${listenPort} already sends traffic to ${slot} (127.0.0.1:${targetPort})`);
      else if (previous) ctx.log('system', `${app}: switched :${listenPort} from ${previous.slot}:${previous.targetPort} to ${slot}:${targetPort} at ${at}; draining ${previous.slot} for up to ${drainMs} ms`);
      else ctx.log('system', `${app}: :${listenPort}${spec.hostname ? ` (Host ${spec.hostname})` : ''} now sends traffic to ${slot}:${targetPort} (since ${at})`);
      if (changed && previous && spec.stopPreviousAfterMs !== undefined) {
        const prevSlot = SlotName.parse(previous.slot);
        const retire = await scheduleRetire(ctx.dataDir, app, prevSlot, route.switchedAt + spec.stopPreviousAfterMs);
        if (retire) ctx.log('system', `${app}: ${prevSlot} (release ${retire.releaseId}) stays up as the rollback target until ${new Date(retire.at).toISOString()}`);
      }
      return { output: { switchedAt: route.switchedAt, changed, previousSlot: previous?.slot ?? null, previousPort: previous?.targetPort ?? null } };
    } catch (err) {
      if (err instanceof ProxyError) throw new StepFailedError(`traffic switch failed (${err.code}): ${err.message}`, null, null, { cause: err });
      throw err;
    }
  };
}
