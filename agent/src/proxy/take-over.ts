import { setTimeout as sleep } from 'node:timers/promises';
import type { SlotName } from '@devflow/protocol';
import { createSlotStop } from '../supervisor/stop-step.js';
import { StepFailedError, type StepContext } from '../steps/handler.js';
import type { ProxyClient } from './client.js';
import { ProxyError, type SwitchRequest, type SwitchResult } from './control-protocol.js';
import { ensureProxy, type EnsureProxyOptions } from './ensure.js';

/** How often the proxy tries the port while the in-place app lets go of it. */
const RETRY_MS = 2;
/** How long the port may stay taken after the in-place app stopped (its last sockets closing). */
const AFTER_STOP_MS = 5_000;

/**
 * The environment leaves in-place: its app (`takeOverFrom.slot`) still listens on the public port.
 * The proxy runs before anything is stopped, then the app is stopped while the proxy tries the port
 * every few ms, so the port is unanswered only between the app closing it and the proxy's next try.
 */
export async function takeOverPort(
  client: ProxyClient,
  request: Omit<SwitchRequest, 'op'>,
  from: { slot: SlotName; graceMs: number },
  ctx: StepContext,
  options: EnsureProxyOptions,
): Promise<SwitchResult> {
  const { status, started } = await ensureProxy(ctx.dataDir, options);
  if (started) ctx.log('system', `started the traffic proxy (pid ${status.pid})`);
  ctx.log(
    'system',
    `${request.app}: switching from in-place to blue-green: the in-place app holds :${request.listenPort}; it is stopped now and the proxy takes the port ` +
      'as soon as it is free. Requests may fail for that short moment (this change only; later deployments switch without a gap)',
  );
  const stopAsked = performance.now();
  let stopEnded: number | null = null;
  const stopping = createSlotStop()({ kind: 'slot.stop', app: request.app, slot: from.slot, graceMs: from.graceMs, timeoutMs: from.graceMs + 10_000 }, ctx).finally(() => {
    stopEnded = performance.now();
  });
  const switching = (async () => {
    for (;;) {
      try {
        const result = await client.switch(request);
        ctx.log('system', `${request.app}: the proxy listens on :${request.listenPort} ${Math.round(performance.now() - stopAsked)} ms after the in-place app was asked to stop`);
        return result;
      } catch (err) {
        const portStillHeld = err instanceof ProxyError && err.code === 'LISTEN_FAILED';
        if (!portStillHeld || ctx.signal.aborted || (stopEnded !== null && performance.now() - stopEnded > AFTER_STOP_MS)) throw err;
      }
      await sleep(RETRY_MS);
    }
  })();
  try {
    // The switch lands as soon as the port is free; the step also waits for the app to have exited.
    return (await Promise.all([switching, stopping]))[0];
  } catch (err) {
    if (err instanceof ProxyError && err.code === 'LISTEN_FAILED') {
      throw new StepFailedError(`the proxy could not take :${request.listenPort} after the in-place app stopped (does another process hold it?): ${err.message}`, null, null, { cause: err });
    }
    throw err;
  }
}
