import { healthCheck } from '../health/index.js';
import { trafficSwitch } from '../proxy/index.js';
import { gitSync, releaseActivate, releaseLink, releasePrune, releaseRollback } from '../releases/index.js';
import { slotStart, slotStop } from '../supervisor/index.js';
import { execStep } from './exec.js';
import type { StepHandlers } from './handler.js';

/**
 * The step kind -> handler map. Each kind's handler lives with the stage it belongs to
 * (releases/, supervisor/, health/, proxy/); this file only wires them. Typed as the full map,
 * so a new step kind in the protocol does not compile until it has a handler.
 */
export const stepHandlers: StepHandlers = {
  exec: execStep,
  'git.sync': gitSync,
  'release.link': releaseLink,
  'release.activate': releaseActivate,
  'release.rollback': releaseRollback,
  'release.prune': releasePrune,
  'slot.start': slotStart,
  'slot.stop': slotStop,
  'health.check': healthCheck,
  'traffic.switch': trafficSwitch,
};
