import type { LogLine, StepResult } from '@devflow/protocol';

/** Published on the EventBus topic `step:<id>` so browsers and waiting code can follow a step live. */
export type StepEvent =
  | { type: 'started'; stepId: string; pid: number | null; startedAt: number }
  | { type: 'log'; stepId: string; lines: LogLine[] }
  | { type: 'done'; stepId: string; result: StepResult };

export const stepTopic = (stepId: string): string => `step:${stepId}`;

/**
 * Every step's `done` event again, on one topic, for code awaiting results (no log traffic to wade
 * through): an instance subscribes once instead of once per step (a Redis round trip before each send).
 */
export const STEP_RESULTS_TOPIC = 'step-results';
