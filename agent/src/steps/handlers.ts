import type { StepKind } from '@devflow/protocol';
import type { StepHandler, StepHandlers } from './handler.js';

/**
 * Loads a handler's module on the first step of its kind. The bundle keeps every module in one
 * file, but esbuild wraps a dynamically imported one in a lazy initialiser, so its dependencies
 * (zod, the proxy client, release code) are not evaluated by an idle agent: that
 * is most of the agent's idle memory. The first step of a kind pays the load once.
 */
function lazy<K extends StepKind>(load: () => Promise<StepHandler<K>>): StepHandler<K> {
  let handler: Promise<StepHandler<K>> | undefined;
  return async (spec, ctx) => {
    handler ??= load().catch((err: unknown) => {
      handler = undefined; // a failed load (disk trouble) is tried again on the next step
      throw err;
    });
    return (await handler)(spec, ctx);
  };
}

/**
 * The step kind -> handler map. Each kind's handler lives with the stage it belongs to
 * (releases/, supervisor/, health/, proxy/); this file only wires them. Typed as the full map,
 * so a new step kind in the protocol does not compile until it has a handler.
 */
export const stepHandlers: StepHandlers = {
  exec: lazy(async () => (await import('./exec.js')).execStep),
  'git.sync': lazy(async () => (await import('../releases/index.js')).gitSync),
  'release.link': lazy(async () => (await import('../releases/index.js')).releaseLink),
  'release.activate': lazy(async () => (await import('../releases/index.js')).releaseActivate),
  'release.rollback': lazy(async () => (await import('../releases/index.js')).releaseRollback),
  'release.prune': lazy(async () => (await import('../releases/index.js')).releasePrune),
  'slot.start': lazy(async () => (await import('../supervisor/index.js')).slotStart),
  'slot.stop': lazy(async () => (await import('../supervisor/index.js')).slotStop),
  'health.check': lazy(async () => (await import('../health/index.js')).healthCheck),
  'traffic.switch': lazy(async () => (await import('../proxy/index.js')).trafficSwitch),
  'traffic.remove': lazy(async () => (await import('../proxy/index.js')).trafficRemove),
  'traffic.split': lazy(async () => (await import('../proxy/index.js')).trafficSplit),
  'traffic.stats': lazy(async () => (await import('../proxy/index.js')).trafficStats),
};
