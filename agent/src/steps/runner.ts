import type { KeyObject } from 'node:crypto';
import type { MessageOf, ControlMessage, StepKind, StepResult, StepRunPayload, StepStatus } from '@devflow/protocol';
import type { Transport } from '../logs/batcher.js';
import type { Logger } from '../logs/logger.js';
import type { Outbox } from '../logs/outbox.js';
import { StepFailedError, type StepContext, type StepHandler, type StepHandlers, type StepOutcome } from './handler.js';
import type { Journal } from './journal.js';
import { createMasker } from './mask.js';
import { verifyStepRun } from './verify.js';

export interface RunnerDeps {
  agentId: string;
  dataDir: string;
  /** The control plane's public key, pinned at enrolment. */
  controlPlaneKey: KeyObject;
  journal: Journal;
  outbox: Outbox;
  link: Transport;
  handlers: Partial<StepHandlers>;
  log: Logger;
}

/** Why a step's signal was aborted. */
type AbortReason = 'timeout' | 'cancel' | 'shutdown';

interface Active {
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Takes `step.run` messages from the link: verifies them, answers repeats from the journal,
 * dispatches by `spec.kind`, enforces the step's timeout, cancels on `step.cancel`, masks
 * secrets in every line, and hands the result to the outbox (sent after the last line).
 */
export class StepRunner {
  private readonly active = new Map<string, Active>();
  private shuttingDown = false;

  constructor(private readonly deps: RunnerDeps) {}

  /** Step ids currently running in this process. */
  activeStepIds(): string[] {
    return [...this.active.keys()];
  }

  /** Resolves once the step is accepted (or refused); the step itself runs on. */
  async onStepRun(msg: MessageOf<ControlMessage, 'step.run'>): Promise<void> {
    const { deps } = this;
    const v = await verifyStepRun(msg, deps.controlPlaneKey, deps.agentId);
    if (!v.ok) return this.reject(msg.stepId, v.code, v.error);
    const { payload } = v;
    if (this.active.has(payload.stepId)) {
      deps.log.info('step already running; ignoring the repeated step.run', { stepId: payload.stepId });
      return;
    }
    const rec = deps.journal.get(payload.stepId);
    if (rec) return this.answerRepeat(payload.stepId);
    if (this.shuttingDown) return;
    // Not awaited: the link keeps reading messages (step.cancel!) while the step runs.
    void this.start(payload);
  }

  onCancel(stepId: string): void {
    const a = this.active.get(stepId);
    if (!a) {
      this.deps.log.info('step.cancel for a step that is not running', { stepId });
      return;
    }
    a.abort.abort('cancel' satisfies AbortReason);
  }

  /** Kill every running step's process tree and wait; their records stay `running`, so the next start reports "agent restarted". */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    const all = [...this.active.values()];
    for (const a of all) a.abort.abort('shutdown' satisfies AbortReason);
    await Promise.all(all.map((a) => a.done));
  }

  private async start(payload: StepRunPayload): Promise<void> {
    const { deps } = this;
    const { stepId, spec } = payload;
    const abort = new AbortController();
    let settle!: () => void;
    this.active.set(stepId, { abort, done: new Promise<void>((r) => (settle = r)) });
    const startedAt = Date.now();
    const t0 = performance.now();
    const mask = createMasker(payload.secrets);
    const writer = deps.outbox.open(stepId);
    let startedSent = false;
    const sendStarted = (pid: number | null): void => {
      if (startedSent) return;
      startedSent = true;
      // The moment the step's process exists (for exec), not when the step.run arrived.
      if (deps.link.ready) deps.link.send(`{"type":"step.started","stepId":${JSON.stringify(stepId)},"pid":${pid},"startedAt":${Date.now()}}`);
    };
    const ctx: StepContext = {
      stepId,
      dataDir: deps.dataDir,
      signal: abort.signal,
      log: (stream, text) => writer.line(stream, mask(text)),
      logFull: () => writer.full,
      logDrained: () => writer.drained(),
      started: sendStarted,
    };
    const timer = setTimeout(() => abort.abort('timeout' satisfies AbortReason), spec.timeoutMs);
    try {
      // On disk before anything runs: a step id is never run twice, even if we crash right after.
      await deps.journal.begin(stepId, spec.kind, payload.deploymentId, startedAt);
      if (spec.kind !== 'exec') sendStarted(null);
      deps.log.debug('step started', { stepId, kind: spec.kind });
      const outcome = await this.invoke(spec, ctx);
      clearTimeout(timer);
      if (abort.signal.reason === 'shutdown') return;
      await writer.flush();
      const result = toResult(outcome, abort.signal, spec.timeoutMs, performance.now() - t0, writer.lastSeq);
      if (result.error) result.error = mask(result.error);
      await deps.journal.finish(stepId, result);
      deps.outbox.finish(stepId, result);
      deps.log.info('step finished', { stepId, kind: spec.kind, status: result.status, exitCode: result.exitCode ?? undefined, error: result.error });
    } catch (err) {
      // Only the journal can fail here (disk full, permissions): the step cannot be recorded.
      deps.log.error('step could not be recorded', { stepId, err });
    } finally {
      clearTimeout(timer);
      this.active.delete(stepId);
      settle();
    }
  }

  /** Run the handler; what it throws becomes data. */
  private async invoke(spec: StepRunPayload['spec'], ctx: StepContext): Promise<StepOutcome | Error> {
    const handler = this.deps.handlers[spec.kind] as StepHandler<StepKind> | undefined;
    if (!handler) return new StepFailedError(`this agent cannot run "${spec.kind}" steps (no handler installed)`);
    try {
      return await handler(spec as never, ctx);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private answerRepeat(stepId: string): void {
    const { deps } = this;
    const rec = deps.journal.get(stepId);
    if (!rec?.result) return;
    deps.log.info('step seen before; answering from the journal', { stepId, status: rec.result.status });
    if (deps.outbox.has(stepId)) deps.outbox.resendResult(stepId);
    else if (deps.link.ready) deps.link.send(JSON.stringify({ type: 'step.done', stepId, result: rec.result }));
  }

  private reject(stepId: string, code: 'BAD_SIGNATURE' | 'WRONG_AGENT' | 'MALFORMED', error: string): void {
    const { deps } = this;
    deps.log.warn('step refused', { stepId, code, error });
    if (!deps.link.ready) return;
    // Not journaled: an unverified message must not be able to claim a step id.
    deps.link.send(JSON.stringify({ type: 'error', code, message: error, ref: stepId }));
    const result: StepResult = { status: 'rejected', exitCode: null, signal: null, durationMs: 0, error, lastSeq: 0 };
    deps.link.send(JSON.stringify({ type: 'step.done', stepId, result }));
  }
}

function toResult(outcome: StepOutcome | Error, signal: AbortSignal, timeoutMs: number, durationMs: number, lastSeq: number): StepResult {
  const base = { durationMs, lastSeq };
  const failed = outcome instanceof Error;
  const exitCode = failed ? (outcome instanceof StepFailedError ? outcome.exitCode : null) : (outcome.exitCode ?? null);
  const sig = failed ? (outcome instanceof StepFailedError ? outcome.signal : null) : (outcome.signal ?? null);
  if (signal.aborted) {
    const status: StepStatus = signal.reason === 'timeout' ? 'timed_out' : 'cancelled';
    const error = status === 'timed_out' ? `step timed out after ${timeoutMs} ms` : 'step cancelled by the control plane';
    return { status, exitCode, signal: sig, error, ...base };
  }
  if (failed) {
    const error = outcome instanceof StepFailedError ? outcome.message : `internal error: ${outcome.message}`;
    return { status: 'failed', exitCode, signal: sig, error, ...base };
  }
  return { status: 'succeeded', exitCode, signal: sig, ...base, ...(outcome.output ? { output: outcome.output } : {}) };
}
