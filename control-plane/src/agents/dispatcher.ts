import { EventEmitter } from 'node:events';
import { StepSpec, type StepResult, type StepRunPayload } from '@devflow/protocol';
import type { Logger } from '../logger.js';
import type { EventBus, Unsubscribe } from '../ports/event-bus.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { newId } from '../crypto/random.js';
import { AppError, notFound } from '../errors.js';
import type { LogStore } from '../logs/store.js';
import type { ServerService } from '../servers/service.js';
import type { AgentCommand } from '../servers/types.js';
import { STEP_RESULTS_TOPIC, stepTopic, type StepEvent } from '../steps/events.js';
import type { StepRecord, StepStore } from '../steps/store.js';
import { redactStepSpec } from '../steps/redact.js';
import type { StepSigner } from './signing.js';
import { TickBatch } from '../ports/tick-batch.js';
import type { AgentConnection, AgentSessionHandler, ConnectionRegistry, StepMessage } from './connection.js';

export interface RunStepOptions {
  deploymentId?: string;
  /** Values the agent masks in every log line; stored only encrypted. */
  secrets?: string[];
  /** Caller-chosen id (idempotent retries); default a fresh `stp_…`. */
  stepId?: string;
}

export interface DispatcherDeps {
  steps: StepStore;
  logs: LogStore;
  servers: Pick<ServerService, 'find' | 'command'>;
  signer: StepSigner;
  box: SecretBox;
  bus: EventBus;
  connections: ConnectionRegistry;
  logger: Logger;
}

/** Sealing context of a step's whole spec (a value copied to another step fails to open). */
export const specContext = (stepId: string) => `step:${stepId}:spec`;

/** Step -> agent entries kept (oldest dropped first). */
const OWNER_CACHE_LIMIT = 10_000;

/** How often a waiter re-reads the database, in case a bus event was lost (at-most-once bus). */
const AWAIT_POLL_MS = 10_000;

/**
 * Sends signed steps to agents and records what comes back. The database is the record:
 * a step is persisted before it is sent, re-sent on reconnect unless the agent lists it as
 * active, and its result is written before the agent gets `step.ack`. So `awaitStep` works
 * after a control-plane restart, and a step never runs twice (the agent answers a re-sent id
 * from its own record).
 *
 * `events` (local, for benchmarks and metrics): `sent` {stepId, at, wallAt} and `started`
 * {stepId, at, agentStartedAt}; `at` from performance.now(), `wallAt`/`agentStartedAt` epoch ms.
 */
export class Dispatcher implements AgentSessionHandler {
  readonly events = new EventEmitter();
  private readonly owners = new Map<string, string>();
  /** Open steps per agent, read for all agents that connect (or are woken) in one event-loop round at once. */
  private readonly openSteps = new TickBatch<string, StepRecord[]>(async (agentIds) => {
    const open = await this.d.steps.openForAgents(agentIds);
    return agentIds.map((id) => open.get(id) ?? []);
  });
  /** Code on this instance waiting for step results, by step id; fed by one subscription to STEP_RESULTS_TOPIC. */
  private readonly resultWaiters = new Map<string, Set<(result: StepResult) => void>>();
  private results: Promise<Unsubscribe> | undefined;

  constructor(private readonly d: DispatcherDeps) {}

  async runStep(agentId: string, spec: StepSpec, options: RunStepOptions = {}): Promise<{ stepId: string; done: Promise<StepResult> }> {
    const parsed = StepSpec.safeParse(spec);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError('VALIDATION_FAILED', `step spec ${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}`);
    }
    // An agent connected here is enrolled (it authenticated): the server row need not be read.
    const conn = this.d.connections.get(agentId);
    if (!conn) {
      const server = await this.d.servers.find(agentId);
      if (!server) throw notFound('server', agentId);
      if (!server.enrolled) throw new AppError('CONFLICT', `server "${server.name}" has no enrolled agent yet; run its install command first`);
    }
    const stepId = options.stepId ?? newId('stp');
    const secrets = options.secrets?.filter((s) => s.length > 0) ?? [];
    const step = { id: stepId, agentId, ...(options.deploymentId ? { deploymentId: options.deploymentId } : {}), spec: parsed.data };
    const redacted = redactStepSpec(parsed.data, secrets);
    const carriesSecrets = JSON.stringify(redacted) !== JSON.stringify(parsed.data);
    await this.d.steps.insert({
      ...step,
      spec: redacted,
      specSealed: carriesSecrets ? this.d.box.seal(JSON.stringify(parsed.data), specContext(stepId)) : null,
      secretsSealed: secrets.length ? this.d.box.seal(JSON.stringify(secrets), `step:${stepId}`) : null,
    });
    this.rememberOwner(stepId, agentId);
    // Subscribed before the step is sent, and a fresh step has no result yet: no database check.
    const done = (await this.awaitResult(stepId, false))();
    await this.send(step, secrets, conn);
    return { stepId, done };
  }

  /** Resolves with the step's result once it is persisted, whichever instance receives it. */
  async awaitStep(stepId: string): Promise<StepResult> {
    return (await this.awaitResult(stepId, true))();
  }

  /**
   * Subscribes to the step's result at once; the returned function waits for it. `check`: also
   * read the database now (a step sent earlier, perhaps by another instance, may be finished).
   */
  private async awaitResult(stepId: string, check: boolean): Promise<() => Promise<StepResult>> {
    let resolve!: (r: StepResult) => void;
    const result = new Promise<StepResult>((r) => (resolve = r));
    await this.subscribeResults();
    let waiters = this.resultWaiters.get(stepId);
    if (!waiters) this.resultWaiters.set(stepId, (waiters = new Set()));
    waiters.add(resolve);
    const read = async (): Promise<void> => {
      const step = await this.d.steps.find(stepId);
      if (!step) throw notFound('step', stepId);
      if (step.result) resolve(step.result);
    };
    return async () => {
      const poll = setInterval(() => void read().catch(() => undefined), AWAIT_POLL_MS);
      poll.unref();
      try {
        if (check) await read(); // after subscribing, so a result landing in between is not missed
        return await result;
      } finally {
        clearInterval(poll);
        waiters.delete(resolve);
        if (waiters.size === 0 && this.resultWaiters.get(stepId) === waiters) this.resultWaiters.delete(stepId);
      }
    };
  }

  private subscribeResults(): Promise<Unsubscribe> {
    this.results ??= this.d.bus
      .subscribe(STEP_RESULTS_TOPIC, (e) => {
        const event = e as StepEvent;
        if (event.type === 'done') for (const resolve of this.resultWaiters.get(event.stepId) ?? []) resolve(event.result);
      })
      .catch((err: unknown) => {
        this.results = undefined; // the next waiter tries again
        throw err;
      });
    return this.results;
  }

  async cancelStep(stepId: string): Promise<void> {
    const step = await this.d.steps.find(stepId);
    if (!step) throw notFound('step', stepId);
    if (step.result) return;
    await this.d.steps.requestCancel(stepId);
    if (step.status === 'pending') {
      await this.finish(stepId, { status: 'cancelled', exitCode: null, signal: null, durationMs: 0, lastSeq: 0, error: 'cancelled before it reached the agent' });
      return;
    }
    const conn = this.d.connections.get(step.agentId);
    if (conn) conn.send({ type: 'step.cancel', stepId });
    else await this.d.servers.command(step.agentId, { type: 'cancel', stepId });
  }

  /** Sign and send a step if its agent is connected here; otherwise wake the instance that holds it. */
  private async send(step: Pick<StepRecord, 'id' | 'agentId' | 'spec'> & { deploymentId?: string | null }, secrets: string[], via?: AgentConnection): Promise<void> {
    const conn = via ?? this.d.connections.get(step.agentId);
    if (!conn) {
      await this.d.servers.command(step.agentId, { type: 'wake' });
      return;
    }
    const payload: StepRunPayload = {
      stepId: step.id,
      agentId: step.agentId,
      ...(step.deploymentId ? { deploymentId: step.deploymentId } : {}),
      spec: step.spec,
      secrets,
      issuedAt: Date.now(),
    };
    const jws = this.d.signer.sign(payload);
    if (!conn.send({ type: 'step.run', stepId: step.id, jws })) return; // sent again on reconnect
    this.events.emit('sent', { stepId: step.id, at: performance.now(), wallAt: Date.now() });
    await this.d.steps.markSent(step.id);
  }

  /** Send a stored open step again (reconnect, wake): its whole spec and secrets are opened from the database. */
  private async resend(step: StepRecord, conn: AgentConnection): Promise<void> {
    if (step.result) return;
    const sealed = await this.d.steps.sealed(step.id);
    const spec = sealed.spec ? (JSON.parse(this.d.box.open(sealed.spec, specContext(step.id))) as StepSpec) : step.spec;
    await this.send({ ...step, spec }, sealed.secrets ? (JSON.parse(this.d.box.open(sealed.secrets, `step:${step.id}`)) as string[]) : [], conn);
  }

  async onConnected(conn: AgentConnection, activeSteps: readonly string[]): Promise<void> {
    const active = new Set(activeSteps);
    for (const step of await this.openSteps.add(conn.agentId)) {
      if (active.has(step.id)) {
        if (step.cancelRequested) conn.send({ type: 'step.cancel', stepId: step.id });
      } else if (step.cancelRequested) {
        // Cancelled while the link was down, and the agent never got it (nor ran it): never send it now.
        await this.finish(step.id, { status: 'cancelled', exitCode: null, signal: null, durationMs: 0, lastSeq: 0, error: 'cancelled before it reached the agent' });
      } else await this.resend(step, conn);
    }
  }

  async onCommand(conn: AgentConnection, command: Exclude<AgentCommand, { type: 'disconnect' }>): Promise<void> {
    if (command.type === 'cancel') conn.send({ type: 'step.cancel', stepId: command.stepId });
    else for (const step of await this.openSteps.add(conn.agentId)) if (step.status === 'pending') await this.resend(step, conn);
  }

  async onMessage(conn: AgentConnection, msg: StepMessage): Promise<void> {
    if (msg.type === 'error') return this.onAgentError(conn, msg);
    const owner = await this.ownerOf(msg.stepId);
    if (owner !== conn.agentId) {
      conn.send({
        type: 'error',
        code: owner ? 'WRONG_AGENT' : 'UNKNOWN_STEP',
        message: owner ? 'this step belongs to another agent' : 'no such step on this control plane',
        ref: msg.stepId,
      });
      return;
    }
    switch (msg.type) {
      case 'step.started':
        this.events.emit('started', { stepId: msg.stepId, at: performance.now(), agentStartedAt: msg.startedAt });
        await this.d.steps.markStarted(msg.stepId, msg.startedAt);
        await this.publish({ type: 'started', stepId: msg.stepId, pid: msg.pid, startedAt: msg.startedAt });
        return;
      case 'log.batch': {
        const seq = await this.d.logs.append(msg.stepId, msg.lines);
        conn.send({ type: 'log.ack', stepId: msg.stepId, seq });
        await this.publish({ type: 'log', stepId: msg.stepId, lines: msg.lines });
        return;
      }
      case 'step.done':
        await this.finish(msg.stepId, msg.result);
        conn.send({ type: 'step.ack', stepId: msg.stepId });
        return;
    }
  }

  /** A step's agent never changes: cached, so a log batch does not cost a database read. */
  private async ownerOf(stepId: string): Promise<string | null> {
    const known = this.owners.get(stepId);
    if (known !== undefined) return known;
    const owner = await this.d.steps.agentOf(stepId);
    if (owner !== null) this.rememberOwner(stepId, owner);
    return owner;
  }

  private rememberOwner(stepId: string, agentId: string): void {
    if (this.owners.size >= OWNER_CACHE_LIMIT) this.owners.delete(this.owners.keys().next().value!);
    this.owners.set(stepId, agentId);
  }

  /** An agent refusing a step (bad signature, wrong agent) reports it with `ref` = the step id. */
  private async onAgentError(conn: AgentConnection, msg: Extract<StepMessage, { type: 'error' }>): Promise<void> {
    this.d.logger.warn('agent reported an error', { agentId: conn.agentId, code: msg.code, message: msg.message, ref: msg.ref });
    if (!msg.ref || !['BAD_SIGNATURE', 'WRONG_AGENT', 'MALFORMED'].includes(msg.code)) return;
    if ((await this.d.steps.agentOf(msg.ref)) !== conn.agentId) return;
    await this.finish(msg.ref, {
      status: 'rejected',
      exitCode: null,
      signal: null,
      durationMs: 0,
      lastSeq: 0,
      error: `agent refused the step (${msg.code}): ${msg.message}`,
    });
  }

  private async finish(stepId: string, result: StepResult): Promise<void> {
    if (!(await this.d.steps.finish(stepId, result))) return;
    await this.publish({ type: 'done', stepId, result });
    await this.d.bus.publish(STEP_RESULTS_TOPIC, { type: 'done', stepId, result });
  }

  private publish(event: StepEvent): Promise<void> {
    return this.d.bus.publish(stepTopic(event.stepId), event);
  }
}
