import type { StepSpecOf } from '@devflow/protocol';
import { StepFailedError, type StepContext, type StepOutcome } from '../steps/handler.js';
import { ProxyClient } from './client.js';
import { ProxyError } from './control-protocol.js';
import { loadRoutes, saveRoutes } from './route-file.js';

/**
 * traffic.remove: the environment leaves blue-green. The proxy forgets the app's route, so its
 * public port is free for the app started in-place right after; requests in flight through it
 * finish within drainMs. With no proxy running, the saved route is dropped instead, so a proxy
 * started later does not take the port back.
 */
export async function trafficRemove(spec: StepSpecOf<'traffic.remove'>, ctx: StepContext): Promise<StepOutcome> {
  const { app, listenPort, drainMs } = spec;
  try {
    const { removed } = await ProxyClient.forDataDir(ctx.dataDir).remove({ app, drainMs });
    if (removed) ctx.log('system', `${app}: the proxy no longer listens on :${removed.listenPort} (it sent traffic to ${removed.slot}:${removed.targetPort}); requests in flight finish within ${drainMs} ms`);
    else ctx.log('system', `${app}: the proxy has no route for this app; :${listenPort} is not held by the proxy`);
    return { output: { removed: removed !== null } };
  } catch (err) {
    if (!(err instanceof ProxyError)) throw err;
    if (err.code !== 'NOT_RUNNING') throw new StepFailedError(`removing the proxy route failed (${err.code}): ${err.message}`, null, null, { cause: err });
  }
  const routes = await loadRoutes(ctx.dataDir);
  const kept = routes.filter((r) => r.app !== app);
  if (kept.length !== routes.length) await saveRoutes(ctx.dataDir, kept);
  ctx.log('system', `${app}: no traffic proxy is running; ${kept.length !== routes.length ? 'removed its saved route' : 'it had no route for this app'}`);
  return { output: { removed: kept.length !== routes.length } };
}
