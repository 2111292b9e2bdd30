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
  /**
   * `canary`: the orchestrator runs the canary analysis (rollout/) on every server before this
   * step (the promotion); it goes on only when the canary passed or a person promoted it.
   */
  gate?: 'canary';
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
    spec: {
      kind: 'exec',
      argv: commandArgv(command),
      release: { app: ctx.app, releaseId: ctx.releaseId },
      env: ctx.env,
      ...(typeof command !== 'string' && command.releasePathEnv ? { releasePathEnv: command.releasePathEnv } : {}),
      timeoutMs: ctx.timeoutMs,
    },
  };
}

export function healthStep(
  stage: StageName,
  url: string,
  hc: { expectStatus: number; timeoutS: number; healthyAfter: number; intervalMs?: number; attemptTimeoutMs?: number },
  timeoutMs: number,
  slot?: { app: string; slot: SlotName },
  /** Stop the slot when it never becomes healthy (blue-green: the new release on the idle slot). */
  stopSlotOnFailure = false,
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
      intervalMs: hc.intervalMs ?? 1000,
      attemptTimeoutMs: hc.attemptTimeoutMs ?? 5000,
      healthyAfter: hc.healthyAfter,
      deadlineMs,
      ...(slot ? { slot } : {}),
      ...(slot && stopSlotOnFailure ? { stopSlotOnFailure: true } : {}),
      // The step must outlive its own deadline, or it would be killed before it can report why.
      timeoutMs: Math.max(timeoutMs, deadlineMs + 10_000),
    },
  };
}

export function slotStartStep(
  stage: StageName,
  args: { app: string; slot: SlotName; releaseId: string; start: Command; port: number; env: Record<string, string>; timeoutMs: number; keepRunning?: boolean },
): PlannedStep {
  const what = args.keepRunning ? `keep ${args.slot} slot running ${args.releaseId} (or start it)` : `start ${args.slot === 'main' ? 'app' : `${args.slot} slot`}`;
  return {
    stage,
    phase: 'main',
    name: `${what} on port ${args.port}: ${commandName(args.start)}`,
    spec: {
      kind: 'slot.start',
      app: args.app,
      slot: args.slot,
      releaseId: args.releaseId,
      argv: commandArgv(args.start),
      port: args.port,
      env: args.env,
      ...(args.keepRunning ? { keepRunning: true } : {}),
      timeoutMs: args.timeoutMs,
    },
  };
}

export function otherSlot(live: SlotName | null): 'blue' | 'green' {
  return live === 'blue' ? 'green' : 'blue';
}

/**
 * The blue-green switch to `slot`: drain the old slot, and schedule stopping it when configured.
 * `takeOverFrom`: the in-place app that may still hold the port, stopped by the switch.
 */
export function switchStep(
  name: string,
  args: {
    app: string;
    listenPort: number;
    hostname?: string | null | undefined;
    slot: SlotName;
    targetPort: number;
    blueGreen: { drainMs: number; stopOldSlotAfterMs: number | null };
    takeOverFrom?: { slot: SlotName; graceMs: number };
    timeoutMs: number;
  },
): PlannedStep {
  const { app, listenPort, hostname, slot, targetPort, blueGreen, takeOverFrom, timeoutMs } = args;
  return {
    stage: 'activate',
    phase: 'main',
    name,
    spec: {
      kind: 'traffic.switch',
      app,
      listenPort,
      ...(hostname ? { hostname } : {}),
      slot,
      targetPort,
      drainMs: blueGreen.drainMs,
      ...(blueGreen.stopOldSlotAfterMs !== null ? { stopPreviousAfterMs: blueGreen.stopOldSlotAfterMs } : {}),
      ...(takeOverFrom ? { takeOverFrom } : {}),
      timeoutMs,
    },
  };
}
