import type { StepSpecOf } from '@devflow/protocol';
import type { StepContext, StepOutcome } from '../steps/handler.js';
import { clearSlotState, readSlotState } from './state.js';
import { stopSlotProcess } from './stop.js';

/** slot.stop: SIGTERM the slot's process group, SIGKILL after graceMs. Idempotent. */
export function createSlotStop() {
  return async function slotStop(spec: StepSpecOf<'slot.stop'>, ctx: StepContext): Promise<StepOutcome> {
    const state = await readSlotState(ctx.dataDir, spec.app, spec.slot);
    if (state === null) {
      ctx.log('system', `slot ${spec.slot}: not running`);
      return { output: { wasRunning: false } };
    }
    const result = await stopSlotProcess(state, spec.graceMs);
    await clearSlotState(ctx.dataDir, spec.app, spec.slot);
    if (!result.wasRunning) ctx.log('system', `slot ${spec.slot}: process ${state.pid} had already exited`);
    else ctx.log('system', `slot ${spec.slot}: stopped process ${state.pid} (release ${state.releaseId})${result.killed ? ` with SIGKILL after ${spec.graceMs} ms` : ''} in ${Math.round(result.durationMs)} ms`);
    return { output: { wasRunning: result.wasRunning, killed: result.killed, pid: state.pid } };
  };
}
