import type { SlotName, StepSpec } from '@devflow/protocol';
import type { Command } from './settings.js';
import type { StageName } from './stages.js';

/** One step of a server's plan, in order. */
export interface PlannedStep {
  stage: StageName;
  /** Hooks are the before/after steps of a stage. */
  phase: 'before' | 'main' | 'after';
  /** Shown in the UI, e.g. "npm ci", "git fetch", "switch traffic". */
  name: string;
  /** Ready to sign and send. */
  spec: StepSpec;
  /** Skip this step when an earlier step of this server reported `output.reused` including this path (install). */
  skipWhenReused?: string;
}

export function commandArgv(command: Command): string[] {
  // A string is the project's own script, run by a shell in its release; nothing from a request is in it.
  return typeof command === 'string' ? ['sh', '-c', command] : command.argv;
}

export function commandName(command: Command): string {
  return typeof command === 'string' ? command : command.argv.join(' ');
}

export interface ExecContext {
  app: string;
  releaseId: string;
  env: Record<string, string>;
  timeoutMs: number;
}

export function execStep(stage: StageName, phase: PlannedStep['phase'], command: Command, ctx: ExecContext): PlannedStep {
  return {
    stage,
    phase,
    name: commandName(command),
    spec: { kind: 'exec', argv: commandArgv(command), release: { app: ctx.app, releaseId: ctx.releaseId }, env: ctx.env, timeoutMs: ctx.timeoutMs },
  };
}

export function healthStep(
  stage: StageName,
  url: string,
  hc: { expectStatus: number; timeoutS: number; healthyAfter: number },
  timeoutMs: number,
  slot?: { app: string; slot: SlotName },
): PlannedStep {
  const deadlineMs = hc.timeoutS * 1000;
  return {
    stage,
    phase: 'main',
    name: `health check ${url}`,
    spec: {
      kind: 'health.check',
      url,
      expectStatus: hc.expectStatus,
      intervalMs: 500,
      attemptTimeoutMs: 5000,
      healthyAfter: hc.healthyAfter,
      deadlineMs,
      ...(slot ? { slot } : {}),
      // The step must outlive its own deadline, or it would be killed before it can report why.
      timeoutMs: Math.max(timeoutMs, deadlineMs + 10_000),
    },
  };
}

export function slotStartStep(
  stage: StageName,
  args: { app: string; slot: SlotName; releaseId: string; start: Command; port: number; env: Record<string, string>; timeoutMs: number },
): PlannedStep {
  return {
    stage,
    phase: 'main',
    name: `start ${args.slot === 'main' ? 'app' : `${args.slot} slot`} on port ${args.port}: ${commandName(args.start)}`,
    spec: {
      kind: 'slot.start',
      app: args.app,
      slot: args.slot,
      releaseId: args.releaseId,
      argv: commandArgv(args.start),
      port: args.port,
      env: args.env,
      timeoutMs: args.timeoutMs,
    },
  };
}

export function otherSlot(live: SlotName | null): 'blue' | 'green' {
  return live === 'blue' ? 'green' : 'blue';
}
