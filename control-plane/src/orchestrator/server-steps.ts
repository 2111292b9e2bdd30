import type { StepResult } from '@devflow/protocol';
import type { Dispatcher } from '../agents/dispatcher.js';
import type { StepStore } from '../steps/store.js';
import type { RunStore } from '../deployments/run-store.js';
import type { DeploymentStepRow } from '../deployments/types.js';
import type { PlannedStep } from '../pipeline/plan.js';

/** How long a cancelled step may take to report back before the row is closed without it. */
const CANCEL_WAIT_MS = 15_000;

export interface ServerRunDeps {
  dispatcher: Pick<Dispatcher, 'runStep' | 'awaitStep' | 'cancelStep'>;
  steps: Pick<StepStore, 'find'>;
  runs: RunStore;
  /** A step row changed (for live views). */
  onStep(row: DeploymentStepRow, status: string): Promise<void>;
  /** A step succeeded: release bookkeeping (activate, prune). */
  onSucceeded(step: PlannedStep, row: DeploymentStepRow, result: StepResult): Promise<void>;
}

export interface ServerRunInput {
  deploymentId: string;
  serverId: string;
  planned: PlannedStep[];
  rows: DeploymentStepRow[];
  /** Indexes [from, to) of `planned` to run now. */
  from: number;
  to: number;
  secrets: string[];
  signal: AbortSignal;
  /** Dependency paths reused so far on this server (release.link output), shared across phases. */
  reused: Set<string>;
}

/** `result` is the step's own failure (failed, timed out, cancelled); null when the server stopped for another reason. */
export type ServerRunOutcome = { ok: true } | { ok: false; row: DeploymentStepRow; result: StepResult | null };

/**
 * Runs one server's steps in order through the dispatcher. Resumable: a row already finished
 * is not run again (its stored result is reused), and a row whose step was already sent is
 * awaited instead of re-sent, so after a control-plane restart the deployment continues where
 * it was and no step runs twice.
 */
export async function runServerSteps(d: ServerRunDeps, input: ServerRunInput): Promise<ServerRunOutcome> {
  for (let idx = input.from; idx < input.to; idx++) {
    const step = input.planned[idx];
    const row = input.rows.find((r) => r.idx === idx);
    if (!step || !row) continue;

    if (row.status === 'skipped') continue;
    // A row still pending was never marked running, so its step was never dispatched: nothing to look up.
    const existing = row.status === 'pending' ? null : await d.steps.find(row.stepId);
    if (existing?.result) {
      await closeRow(d, input, row, existing.result);
      if (existing.result.status !== 'succeeded') return { ok: false, row, result: existing.result };
      collect(input, existing.result);
      continue;
    }
    if (step.skipWhenReused && input.reused.has(step.skipWhenReused)) {
      await d.runs.stepSkipped(input.deploymentId, input.serverId, idx, `${step.skipWhenReused} reused from the live release (lockfile unchanged)`);
      await d.onStep(row, 'skipped');
      continue;
    }
    if (input.signal.aborted) return { ok: false, row, result: null };

    await d.runs.stepRunning(input.deploymentId, input.serverId, idx);
    await d.onStep(row, 'running');
    const done = existing
      ? d.dispatcher.awaitStep(row.stepId)
      : (await d.dispatcher.runStep(input.serverId, step.spec, { deploymentId: input.deploymentId, secrets: input.secrets, stepId: row.stepId })).done;
    const result = await untilAborted(done, input.signal);
    if (result === null) {
      const kind = (input.signal.reason as { kind?: string } | undefined)?.kind;
      // Shutdown leaves the step running on its agent: the next boot resumes the deployment and awaits it.
      if (kind === 'shutdown') return { ok: false, row, result: null };
      const cancelled = await cancelAndWait(d, row.stepId, done, kind === 'agent_away' ? 0 : CANCEL_WAIT_MS);
      if (cancelled) await closeRow(d, input, row, cancelled);
      else {
        await d.runs.stepSkipped(input.deploymentId, input.serverId, idx, stopMessage(input.signal), 'cancelled');
        await d.onStep(row, 'cancelled');
      }
      if (cancelled?.status === 'succeeded') {
        // The step finished before the cancel reached it: what it did is real (a release staged or
        // even activated) and is recorded, but it is not why this server stopped.
        collect(input, cancelled);
        await d.onSucceeded(step, row, cancelled);
        return { ok: false, row, result: null };
      }
      return { ok: false, row, result: cancelled };
    }
    await closeRow(d, input, row, result);
    if (result.status !== 'succeeded') return { ok: false, row, result };
    collect(input, result);
    await d.onSucceeded(step, row, result);
  }
  return { ok: true };
}

async function closeRow(d: ServerRunDeps, input: ServerRunInput, row: DeploymentStepRow, result: StepResult): Promise<void> {
  if (row.status === result.status) return;
  await d.runs.stepDone(input.deploymentId, input.serverId, row.idx, result);
  await d.onStep(row, result.status);
}

function collect(input: ServerRunInput, result: StepResult): void {
  const reused = result.output?.reused;
  if (Array.isArray(reused)) for (const p of reused) if (typeof p === 'string') input.reused.add(p);
}

function stopMessage(signal: AbortSignal): string {
  const reason = signal.reason as { message?: string } | undefined;
  return reason?.message ?? 'stopped';
}

/** The step's result, or null when the signal fired first. */
function untilAborted(done: Promise<StepResult>, signal: AbortSignal): Promise<StepResult | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    done.then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Ask the agent to stop the step; its result (usually `cancelled`) if it comes back in time. */
async function cancelAndWait(d: ServerRunDeps, stepId: string, done: Promise<StepResult>, waitMs: number): Promise<StepResult | null> {
  const reason = (async () => {
    if ((await d.steps.find(stepId)) === null) return null; // never dispatched
    await d.dispatcher.cancelStep(stepId);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), waitMs)));
    try {
      return await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  })();
  return reason.catch(() => null);
}
