import type { LogStream, StepKind, StepSpecOf } from '@devflow/protocol';

/** What a step handler gets from the runner. */
export interface StepContext {
  readonly stepId: string;
  /** The agent's data root (apps/, spool/, steps/ live under it). */
  readonly dataDir: string;
  /** Emit one log line (no trailing newline). Secret masking and sequencing are done by the runner. */
  log(stream: LogStream, text: string): void;
  /**
   * Backpressure on `log`: true while too many lines wait for the disk. A handler reading a
   * process's output stops reading until `logDrained()` resolves (optional: the runner sets both).
   */
  readonly logFull?: () => boolean;
  logDrained?(): Promise<void>;
  /** Aborted when the step is cancelled or times out; handlers stop their work and return. */
  readonly signal: AbortSignal;
  /**
   * Report that the step's main process started (sends `step.started` with its pid). Optional:
   * the runner reports kinds other than `exec` as started (pid null) before calling the handler.
   */
  started?(pid: number | null): void;
}

/** What a handler returns when the step succeeded. */
export interface StepOutcome {
  exitCode?: number | null;
  signal?: string | null;
  /** Step-kind specific data sent back in `step.done` (e.g. the commit git.sync checked out). */
  output?: Record<string, unknown>;
}

/**
 * A step failed for a reason the user must see. `exitCode` is set when a command failed.
 * Anything else a handler throws is reported as an internal error with its message.
 */
export class StepFailedError extends Error {
  override readonly name = 'StepFailedError';
  constructor(
    message: string,
    readonly exitCode: number | null = null,
    readonly signal: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type StepHandler<K extends StepKind> = (spec: StepSpecOf<K>, ctx: StepContext) => Promise<StepOutcome>;
export type StepHandlers = { [K in StepKind]: StepHandler<K> };
