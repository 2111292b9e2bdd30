import { healthCheck } from '../health/index.js';
import { slotStart, slotStop } from '../supervisor/index.js';
import { execStep } from './exec.js';
import type { StepHandlers } from './handler.js';

/**
 * The step kind -> handler map. Each kind's handler lives with the stage it belongs to
 * (releases/, supervisor/, health/, proxy/); this file only wires them.
 */
export const stepHandlers: Partial<StepHandlers> = {
  exec: execStep,
  'slot.start': slotStart,
  'slot.stop': slotStop,
  'health.check': healthCheck,
};
