import { SplitStatsOutput, snapshotDelta, sumSnapshots, windowOf, type SlotName, type SlotStatsSnapshot, type StepSpec } from '@devflow/protocol';
import type { Dispatcher } from '../agents/dispatcher.js';
import type { DeploymentLog } from '../deployments/log.js';
import type { EnginePublisher } from '../events/publish.js';
import { deploymentTopic, type DeploymentEvent } from '../events/topics.js';
import type { EventBus } from '../ports/event-bus.js';
import type { CanaryPlan } from '../pipeline/resolve.js';
import { describeWindows, judgeCanary, type Judgement } from './analysis.js';
import { pendingRequest, type RolloutFigures, type RolloutStore } from './store.js';

export interface CanaryServer {
  serverId: string;
  serverName: string;
  app: string;
  canary: { slot: SlotName; targetPort: number };
}

export interface CanaryDeps {
  dispatcher: Pick<Dispatcher, 'runStep'>;
  rollout: RolloutStore;
  log: Pick<DeploymentLog, 'write'>;
  bus: EventBus;
  publish: Pick<EnginePublisher, 'rollout'>;
}

export interface CanaryInput {
  deploymentId: string;
  servers: CanaryServer[];
  plan: CanaryPlan;
  drainMs: number;
  /** Timeout of each traffic step sent to an agent. */
  stepTimeoutMs: number;
  secrets: string[];
  /** The deployment's stop signal (cancel, timeout, agent away, shutdown). */
  signal: AbortSignal;
}

export type CanaryOutcome =
  | { kind: 'promoted'; by: string | null }
  | { kind: 'failed'; reason: string; figures: RolloutFigures | null }
  | { kind: 'aborted'; by: string }
  /** The deployment's signal fired: the caller decides (resume after shutdown, else end the split). */
  | { kind: 'stopped' };

/** The canary's traffic could not be read or set on a server. */
class TrafficStepError extends Error {}

/**
 * Drives a canary by weight across the deployment's servers: holds each weight for analysis
 * windows, reads both slots' counters from every server's proxy (traffic.stats steps), judges the
 * sum (analysis.ts) and raises the weight on a pass. Returns at 100% (the caller's next step is the
 * promotion switch), on a failed window, on an abort a person asked for, or when the deployment
 * stops. Too many windows without enough requests pause it until a person promotes or aborts.
 * Every weight and window is recorded with its figures; after a control-plane restart it goes on
 * from the last weight recorded.
 */
export async function runCanary(d: CanaryDeps, input: CanaryInput): Promise<CanaryOutcome> {
  const { plan } = input;
  const events = await d.rollout.list(input.deploymentId);
  const lastWeight = events.findLast((e) => e.kind === 'weight')?.weight ?? null;
  let step = lastWeight === null ? 0 : Math.max(0, plan.steps.indexOf(lastWeight));
  let promotedBy: string | null = null;
  const wake = await Wake.start(d.bus, input.deploymentId, input.signal);
  try {
    for (;;) {
      const weight = plan.steps[step] ?? 100;
      if (weight >= 100) return { kind: 'promoted', by: promotedBy };
      // The planned first step set the first weight; later ones (and a resumed run) set it here. Re-weighting keeps the counters.
      if (step > 0 || lastWeight !== null) await setWeight(d, input, weight);
      if (!(lastWeight === weight && step === plan.steps.indexOf(lastWeight))) {
        await d.rollout.append(input.deploymentId, { kind: 'weight', weight, message: `${weight}% of clients on the canary` });
        await d.publish.rollout(input.deploymentId);
      }
      const outcome = await holdStep(d, input, weight, wake);
      if (outcome.kind !== 'next') return outcome;
      promotedBy = outcome.by;
      step++;
    }
  } catch (err) {
    if (input.signal.aborted) return { kind: 'stopped' };
    if (err instanceof TrafficStepError) return { kind: 'failed', reason: err.message, figures: null };
    throw err;
  } finally {
    wake.dispose();
  }
}

/** One weight: windows until a verdict, a person's request, or the deployment stops. */
/** `next`: passed (by null) or promoted by a person. */
type StepOutcome = { kind: 'next'; by: string | null } | CanaryOutcome;

async function holdStep(d: CanaryDeps, input: CanaryInput, weight: number, wake: Wake): Promise<StepOutcome> {
  const { plan, deploymentId } = input;
  const since = await readStats(d, input);
  let inconclusive = 0;
  let paused = false;
  let windowEnds = Date.now() + plan.windowMs;
  for (;;) {
    await wake.until(paused ? Number.POSITIVE_INFINITY : windowEnds);
    if (input.signal.aborted) return { kind: 'stopped' };
    const request = pendingRequest(await d.rollout.list(deploymentId));
    if (request?.kind === 'abort_requested') return { kind: 'aborted', by: request.actor ?? 'someone' };
    if (request?.kind === 'promote_requested') {
      await d.log.write(deploymentId, `canary at ${weight}%: promoted to the next step by ${request.actor ?? 'someone'}`);
      return { kind: 'next', by: request.actor ?? 'someone' };
    }
    if (paused || Date.now() < windowEnds) continue;

    // Judged over everything since the weight was set, so an inconclusive window's requests still count.
    const now = await readStats(d, input);
    const j = judge(since, now, plan);
    const figures = { canary: j.canary, baseline: j.baseline };
    const line = `canary at ${weight}%: ${j.verdict} (${j.reasons.join('; ')}): ${describeWindows(j.canary, j.baseline)}`;
    await d.rollout.append(deploymentId, { kind: 'window', weight, verdict: j.verdict, figures, message: j.reasons.join('; ') });
    await d.log.write(deploymentId, line, j.verdict === 'fail' ? 'stderr' : 'system');
    await d.publish.rollout(deploymentId);
    if (j.verdict === 'pass') return { kind: 'next', by: null };
    if (j.verdict === 'fail') return { kind: 'failed', reason: `the canary failed its analysis at ${weight}%: ${j.reasons.join('; ')} (${describeWindows(j.canary, j.baseline)})`, figures };
    inconclusive++;
    if (inconclusive >= plan.inconclusiveWindows) {
      paused = true;
      const message = `paused at ${weight}% after ${inconclusive} windows without enough requests to judge: promote or abort it (devflow promote|abort ${deploymentId})`;
      await d.rollout.append(deploymentId, { kind: 'paused', weight, message });
      await d.log.write(deploymentId, `canary ${message}`, 'stderr');
      await d.publish.rollout(deploymentId);
    }
    windowEnds = Date.now() + plan.windowMs;
  }
}

function judge(since: Map<string, Pair>, now: Map<string, Pair>, plan: CanaryPlan): Judgement {
  const deltas = [...now].map(([serverId, after]) => {
    const before = since.get(serverId) ?? null;
    return { canary: snapshotDelta(before?.canary ?? null, after.canary), baseline: snapshotDelta(before?.baseline ?? null, after.baseline) };
  });
  return judgeCanary(windowOf(sumSnapshots(deltas.map((x) => x.canary))), windowOf(sumSnapshots(deltas.map((x) => x.baseline))), plan);
}

interface Pair {
  canary: SlotStatsSnapshot;
  baseline: SlotStatsSnapshot;
}

async function runOnAll(d: CanaryDeps, input: CanaryInput, spec: (s: CanaryServer) => StepSpec, what: string): Promise<Map<string, Record<string, unknown> | undefined>> {
  const results = await Promise.all(
    input.servers.map(async (s) => {
      const { done } = await d.dispatcher.runStep(s.serverId, spec(s), { deploymentId: input.deploymentId, secrets: input.secrets });
      const r = await done;
      if (r.status !== 'succeeded') throw new TrafficStepError(`${what} on server "${s.serverName}" ${r.status}${r.error ? `: ${r.error}` : ''}`);
      return [s.serverId, r.output] as const;
    }),
  );
  return new Map(results);
}

async function setWeight(d: CanaryDeps, input: CanaryInput, weight: number): Promise<void> {
  await runOnAll(d, input, (s) => ({ kind: 'traffic.split', app: s.app, canary: s.canary, weight, drainMs: input.drainMs, timeoutMs: input.stepTimeoutMs }), `setting the canary to ${weight}%`);
  await d.log.write(input.deploymentId, `canary: ${weight}% of clients on the new release on ${input.servers.length} server(s)`);
}

async function readStats(d: CanaryDeps, input: CanaryInput): Promise<Map<string, Pair>> {
  const outputs = await runOnAll(d, input, (s) => ({ kind: 'traffic.stats', app: s.app, timeoutMs: input.stepTimeoutMs }), 'reading the traffic counters');
  const out = new Map<string, Pair>();
  for (const s of input.servers) {
    const parsed = SplitStatsOutput.nullable().safeParse(outputs.get(s.serverId)?.split ?? null);
    if (!parsed.success) throw new TrafficStepError(`the proxy on server "${s.serverName}" sent unreadable counters`);
    if (parsed.data === null) throw new TrafficStepError(`the proxy on server "${s.serverName}" no longer splits traffic for ${s.app} (was its route switched by hand?)`);
    out.set(s.serverId, { canary: parsed.data.canary.stats, baseline: parsed.data.baseline.stats });
  }
  return out;
}

/** Ends the split on every server at once (all traffic on the baseline), then stops each canary slot after its drain. */
export async function endCanary(d: CanaryDeps, input: Omit<CanaryInput, 'plan' | 'signal'>): Promise<{ serverId: string; ok: boolean; error?: string }[]> {
  return Promise.all(
    input.servers.map(async (s) => {
      try {
        const spec: StepSpec = { kind: 'traffic.split', app: s.app, canary: null, weight: 0, drainMs: input.drainMs, stopCanary: { slot: s.canary.slot, graceMs: 10_000 }, timeoutMs: input.stepTimeoutMs + input.drainMs };
        const r = await (await d.dispatcher.runStep(s.serverId, spec, { deploymentId: input.deploymentId, secrets: input.secrets })).done;
        return r.status === 'succeeded' ? { serverId: s.serverId, ok: true } : { serverId: s.serverId, ok: false, error: `${r.status}${r.error ? `: ${r.error}` : ''}` };
      } catch (err) {
        return { serverId: s.serverId, ok: false, error: (err as Error).message };
      }
    }),
  );
}

/** Resolves at a deadline, when the deployment's topic says the rollout changed (a request), or when the signal fires. */
class Wake {
  private poke: (() => void) | null = null;
  private constructor(
    private readonly signal: AbortSignal,
    private unsubscribe: () => Promise<void>,
  ) {}

  static async start(bus: EventBus, deploymentId: string, signal: AbortSignal): Promise<Wake> {
    const w = new Wake(signal, async () => undefined);
    w.unsubscribe = await bus.subscribe(deploymentTopic(deploymentId), (e) => {
      if ((e as DeploymentEvent).type === 'deployment.rollout') w.poke?.();
    });
    return w;
  }

  until(deadline: number): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      // A request may come in through the bus or be missed by it (at-most-once): the database is re-read at least every second.
      const timer = setTimeout(done, Math.max(0, Math.min(deadline - Date.now(), 1000)));
      const onAbort = () => done();
      this.signal.addEventListener('abort', onAbort, { once: true });
      const self = this;
      function done() {
        clearTimeout(timer);
        self.signal.removeEventListener('abort', onAbort);
        self.poke = null;
        resolve();
      }
      this.poke = done;
    });
  }

  dispose(): void {
    this.poke?.();
    void this.unsubscribe().catch(() => undefined);
  }
}
