import type { LogLine, StepResult } from '@devflow/protocol';

/** Published on the EventBus topic `step:<id>` so browsers and waiting code can follow a step live. */
export type StepEvent =
  | { type: 'started'; stepId: string; pid: number | null; startedAt: number }
  | { type: 'log'; stepId: string; lines: LogLine[] }
  | { type: 'done'; stepId: string; result: StepResult };

export const stepTopic = (stepId: string): string => `step:${stepId}`;

/** Only the `done` event, for code awaiting a result (no log traffic to wade through). */
export const stepDoneTopic = (stepId: string): string => `step:${stepId}:done`;
