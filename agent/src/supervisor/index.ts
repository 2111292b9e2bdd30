import type { StepHandler } from '../steps/handler.js';
import { createSlotStart } from './start.js';
import { createSlotStop } from './stop-step.js';

/**
 * The slot process supervisor: starts an app release detached on a slot (blue, green, or main for
 * in-place deploys), stops it, and tells whether it is still running after an agent restart.
 */
export const slotStart: StepHandler<'slot.start'> = createSlotStart();
export const slotStop: StepHandler<'slot.stop'> = createSlotStop();
export { createSlotStart, type SlotStartOptions } from './start.js';
export { createSlotStop } from './stop-step.js';
export { slotStatus, type SlotStatus } from './status.js';
export { tailSlotLog, rotateLogIfLarge, SLOT_LOG_MAX_BYTES } from './slot-log.js';
export { adoptSlots, type AdoptedSlot } from './adopt.js';
export { scheduleRetire, retireDueSlots, type Retired } from './retire.js';
export { waitSlotDrained, isActiveSlot } from './drain-wait.js';
