import type { StepResult } from '@devflow/protocol';
import type { Dispatcher } from '../agents/dispatcher.js';
import type { Logger } from '../logger.js';
import type { EventBus } from '../ports/event-bus.js';
import type { ServerService } from '../servers/service.js';
import type { StepStore } from '../steps/store.js';
import type { DeploymentStore } from '../deployments/store.js';
import type { RunStore } from '../deployments/run-store.js';
import type { ReleaseStore } from '../deployments/releases.js';
import type { DeploymentLog } from '../deployments/log.js';
import type { Deployment, DeploymentStatus, DeploymentStepRow, FailureInfo } from '../deployments/types.js';
import type { EnginePublisher } from '../events/publish.js';
import { STAGES, type DeploymentPlan, type PlannedStep } from '../pipeline/plan.js';
import { endCanary, runCanary, type CanaryOutcome, type CanaryServer } from '../rollout/canary.js';
import type { RolloutStore } from '../rollout/store.js';
import { runServerSteps, type ServerRunOutcome } from './server-steps.js';
import { RunWatch } from './watch.js';

export interface OrchestratorDeps {
  store: DeploymentStore;
  runs: RunStore;
  releases: ReleaseStore;
  log: DeploymentLog;
  rollout: RolloutStore;
  dispatcher: Pick<Dispatcher, 'runStep' | 'awaitStep' | 'cancelStep'>;
  steps: Pick<StepStore, 'find'>;
  servers: Pick<ServerService, 'find'>;
  bus: EventBus;
  publish: EnginePublisher;
  logger: Logger;
  agentGraceMs: number;
  deployTimeoutMs: number;
  instanceId: string;
  /** A deployment with `autoRollback` failed after activation: queue its rollback. */
  autoRollback(failed: Deployment): Promise<void>;
}

const ACTIVATE = STAGES.indexOf('activate');
/** How often the orchestrating instance proves it is alive; lifecycle/takeover.ts adopts a deployment after several missed beats. */
export const ORCHESTRATION_HEARTBEAT_MS = 2000;

/** Index of the first step at or after the barrier: everything before it runs on every server first. */
export const barrierIndex = (steps: readonly PlannedStep[]): number => {
  const i = steps.findIndex((s) => STAGES.indexOf(s.stage) >= ACTIVATE);
  return i === -1 ? steps.length : i;
};

/** Index of the canary's gated promotion step, or the end when the server has none. */
const gateIndex = (steps: readonly PlannedStep[]): number => {
  const i = steps.findIndex((s) => s.gate === 'canary');
  return i === -1 ? steps.length : i;
};

/**
 * Executes a claimed deployment's stored plan: per server sequentially, servers in parallel;
 * every server finishes fetch..migrate before any activates (a failure there fails the
 * deployment and nothing live changes), then activate and the later stages run on all.
 * Resumable from the database at any point (see runServerSteps).
 */
export class Orchestrator {
  constructor(private readonly d: OrchestratorDeps) {}

  /** Returns `detached` when this instance shut down mid-run (the record stays `running`). */
  async execute(deploymentId: string, shutdown: AbortSignal): Promise<'finished' | 'detached'> {
    const d = this.d;
    const dep = await d.store.get(deploymentId);
    if (dep.status !== 'running') return 'finished';
    const plan = await d.runs.loadPlan(deploymentId);
    if (!plan) {
      await this.finish(dep, 'failed', 'the deployment has no stored plan (it was interrupted before planning finished); deploy again');
      return 'finished';
    }
    const targets = await d.runs.targets(deploymentId);
    const servers = await Promise.all(
      targets.map(async (t) => ({ id: t.serverId, name: t.serverName, online: (await d.servers.find(t.serverId))?.status === 'online' })),
    );
    const watch = await RunWatch.start({
      deploymentId,
      servers,
      deadline: (dep.startedAt ?? Date.now()) + d.deployTimeoutMs,
      agentGraceMs: d.agentGraceMs,
      bus: d.bus,
      shutdown,
    });
    if (await d.store.cancelRequested(deploymentId)) watch.stop({ kind: 'cancelled', message: dep.reason ?? 'cancelled' });
    const beat = setInterval(() => void d.store.heartbeat(deploymentId, d.instanceId).catch(() => undefined), ORCHESTRATION_HEARTBEAT_MS);
    try {
      return await this.run(dep, plan, watch);
    } finally {
      clearInterval(beat);
      await watch.dispose();
    }
  }

  private async run(dep: Deployment, plan: DeploymentPlan, watch: RunWatch): Promise<'finished' | 'detached'> {
    const d = this.d;
    const rows = await d.runs.steps(dep.id);
    const activated = new Set<string>();
    const reused = new Map(plan.servers.map((s) => [s.serverId, new Set<string>()]));
    const phase = (serverId: string, planned: PlannedStep[], from: number, to: number) =>
      runServerSteps(
        {
          dispatcher: d.dispatcher,
          steps: d.steps,
          runs: d.runs,
          onStep: (row, status) => d.publish.step(dep.id, row.serverId, row.idx, row.stepId, status),
          onSucceeded: (step, row, result) => this.bookkeep(dep, plan, step, row, result, activated),
        },
        {
          deploymentId: dep.id,
          serverId,
          planned,
          rows: rows.filter((r) => r.serverId === serverId),
          from,
          to,
          secrets: plan.secrets,
          signal: watch.signal,
          reused: reused.get(serverId) ?? new Set(),
        },
      );

    // Barrier: everything before activate, on every server.
    const before = await Promise.all(
      plan.servers.map(async (s) => {
        await d.runs.setTarget(dep.id, s.serverId, 'running');
        const out = await phase(s.serverId, s.steps, 0, barrierIndex(s.steps));
        if (!out.ok && out.result) watch.stop({ kind: 'failed_elsewhere', message: 'another server failed before activation' });
        if (out.ok) await d.runs.setTarget(dep.id, s.serverId, 'staged');
        return { serverId: s.serverId, out };
      }),
    );
    if (watch.reason?.kind === 'shutdown') return 'detached';
    const early = before.find((b) => !b.out.ok && b.out.result) ?? before.find((b) => !b.out.ok);
    if (early || watch.reason) return this.conclude(dep, before, watch, false);

    // After the barrier: activate and the later stages on all servers; a canary stops at its gate until it is judged.
    let after = await Promise.all(
      plan.servers.map(async (s) => ({ serverId: s.serverId, out: await phase(s.serverId, s.steps, barrierIndex(s.steps), gateIndex(s.steps)) })),
    );
    if (watch.stopKind() === 'shutdown') return 'detached';
    const gated = plan.servers.filter((s) => gateIndex(s.steps) < s.steps.length);
    if (gated.length > 0 && after.every((a) => a.out.ok) && !watch.reason) {
      const servers = await this.canaryServers(gated);
      const split = gated[0]?.steps.find((st) => st.spec.kind === 'traffic.split')?.spec;
      const common = { deploymentId: dep.id, servers, drainMs: split?.kind === 'traffic.split' ? split.drainMs : plan.pipeline.blueGreen.drainMs, stepTimeoutMs: split?.timeoutMs ?? 60_000, secrets: plan.secrets };
      const outcome = await runCanary(this.canaryDeps(), { ...common, plan: plan.pipeline.canary, signal: watch.signal });
      if (outcome.kind !== 'promoted') return this.abortCanary(dep, common, outcome, watch);
      await d.rollout.append(dep.id, { kind: 'promoted', weight: 100, actor: outcome.by, message: outcome.by ? `promoted by ${outcome.by}` : 'every step passed its analysis' });
      await d.log.write(dep.id, `canary promoted${outcome.by ? ` by ${outcome.by}` : ': every step passed its analysis'}; switching all traffic to the new release`);
      await d.publish.rollout(dep.id);
      const rest = new Map(
        await Promise.all(gated.map(async (s) => [s.serverId, await phase(s.serverId, s.steps, gateIndex(s.steps), s.steps.length)] as const)),
      );
      after = after.map((a) => ({ serverId: a.serverId, out: rest.get(a.serverId) ?? a.out }));
      if (watch.stopKind() === 'shutdown') return 'detached';
    }
    if (activated.size > 0 && after.some((a) => !a.out.ok)) {
      for (const serverId of activated) await d.releases.markBad(dep.environmentId, serverId, plan.releaseId);
    }
    return this.conclude(dep, after, watch, activated.size > 0);
  }

  private canaryDeps() {
    const d = this.d;
    return { dispatcher: d.dispatcher, rollout: d.rollout, log: d.log, bus: d.bus, publish: d.publish };
  }

  /** Who runs the canary where: read from each server's planned traffic.split step. */
  private async canaryServers(gated: DeploymentPlan['servers']): Promise<CanaryServer[]> {
    return Promise.all(
      gated.map(async (s) => {
        const split = s.steps.find((st) => st.spec.kind === 'traffic.split')?.spec;
        if (split?.kind !== 'traffic.split' || split.canary === null) throw new Error(`the plan of server ${s.serverId} has a canary gate without its split`);
        return { serverId: s.serverId, serverName: (await this.d.servers.find(s.serverId))?.name ?? s.serverId, app: split.app, canary: split.canary };
      }),
    );
  }

  /**
   * The canary did not make it (failed analysis, aborted, or the deployment was stopped): all traffic
   * back on the baseline on every server at once, each canary slot stopped after its drain, and the
   * deployment ends with the figures as its reason. The live release never changed.
   */
  private async abortCanary(
    dep: Deployment,
    common: Parameters<typeof endCanary>[1],
    outcome: Exclude<CanaryOutcome, { kind: 'promoted' }>,
    watch: RunWatch,
  ): Promise<'finished' | 'detached'> {
    const d = this.d;
    // Shutting down: the split stays as it is and the next boot resumes the analysis.
    if (outcome.kind === 'stopped' && watch.stopKind() === 'shutdown') return 'detached';
    const ended = await endCanary(this.canaryDeps(), common);
    for (const e of ended) if (e.ok) await d.releases.vacateSlot(dep.environmentId, e.serverId, common.servers.find((s) => s.serverId === e.serverId)?.canary.slot ?? 'green');
    const broken = ended.filter((e) => !e.ok);
    const back = broken.length === 0
      ? 'all traffic is back on the baseline and the canary was stopped after its drain'
      : `ending the split failed on ${broken.map((b) => `${common.servers.find((s) => s.serverId === b.serverId)?.serverName ?? b.serverId} (${b.error})`).join(', ')}`;
    const stop = watch.reason;
    const why =
      outcome.kind === 'failed' ? outcome.reason
      : outcome.kind === 'aborted' ? `the canary was aborted by ${outcome.by}`
      : (stop?.message ?? 'the deployment was stopped');
    await d.rollout.append(dep.id, { kind: 'aborted', message: `${why}; ${back}`, figures: outcome.kind === 'failed' ? outcome.figures : null, actor: outcome.kind === 'aborted' ? outcome.by : null });
    await d.publish.rollout(dep.id);
    const stopped = outcome.kind === 'stopped' ? stop?.kind : undefined;
    const status: DeploymentStatus = stopped === 'cancelled' ? 'cancelled' : stopped === 'timed_out' ? 'timed_out' : 'failed';
    for (const s of common.servers) await d.runs.setTarget(dep.id, s.serverId, status);
    await this.finish(dep, status, `${why}; ${back}; the live release was not changed`);
    return 'finished';
  }

  /** Release records follow what the agents report. */
  private async bookkeep(dep: Deployment, plan: DeploymentPlan, step: PlannedStep, row: DeploymentStepRow, result: StepResult, activated: Set<string>): Promise<void> {
    const d = this.d;
    const spec = step.spec;
    if (spec.kind === 'git.sync') {
      const commit = typeof result.output?.commit === 'string' ? result.output.commit : (dep.commit?.sha ?? null);
      await d.releases.stage(dep.environmentId, row.serverId, plan.releaseId, dep.id, commit);
    } else if (spec.kind === 'release.activate' || spec.kind === 'release.rollback') {
      await d.releases.activate(dep.environmentId, row.serverId, spec.releaseId);
      await d.store.setActivated(dep.id);
      activated.add(row.serverId);
    } else if (spec.kind === 'traffic.switch') {
      await d.releases.setSlot(dep.environmentId, row.serverId, plan.releaseId, spec.slot);
    } else if (spec.kind === 'slot.start' && spec.slot !== 'main') {
      // Which release runs on which slot: a later rollback to it is then a switch back, not a restart.
      await d.releases.occupySlot(dep.environmentId, row.serverId, spec.releaseId, spec.slot);
    } else if (spec.kind === 'slot.stop' && spec.slot !== 'main') {
      await d.releases.vacateSlot(dep.environmentId, row.serverId, spec.slot);
    } else if (spec.kind === 'release.prune') {
      const removed = Array.isArray(result.output?.removed) ? result.output.removed.filter((r): r is string => typeof r === 'string') : [];
      await d.releases.markPruned(dep.environmentId, row.serverId, removed);
      if (removed.length) await d.log.write(dep.id, `pruned on ${row.serverId}: ${removed.join(', ')}`);
    }
  }

  private async conclude(dep: Deployment, outcomes: { serverId: string; out: ServerRunOutcome }[], watch: RunWatch, afterActivation: boolean): Promise<'finished'> {
    const d = this.d;
    const stop = watch.reason;
    const failedStep = outcomes.find((o) => !o.out.ok && o.out.result && o.out.result.status !== 'cancelled' && o.out.result.status !== 'succeeded');
    for (const o of outcomes) {
      const status = o.out.ok ? 'succeeded' : o === failedStep ? 'failed' : stop?.kind === 'timed_out' ? 'timed_out' : 'cancelled';
      await d.runs.setTarget(dep.id, o.serverId, status);
    }
    if (!stop && !failedStep && outcomes.every((o) => o.out.ok)) {
      await this.finish(dep, 'succeeded', null);
      return 'finished';
    }
    if (stop && stop.kind !== 'failed_elsewhere') {
      const status: DeploymentStatus = stop.kind === 'cancelled' ? 'cancelled' : stop.kind === 'timed_out' ? 'timed_out' : 'failed';
      const untouched = afterActivation ? '' : '; the live release was not changed';
      await this.finish(dep, status, `${stop.message}${untouched}`);
      return 'finished';
    }
    const failure = failedStep && !failedStep.out.ok ? await this.failureInfo(failedStep.out.row, failedStep.out.result) : null;
    const said = failure ? errorLine(failure.lastLines) : null;
    const where = failure
      ? `step "${failure.step}" (${failure.stage}) on server "${failure.serverName}" ${failure.exitCode !== null ? `exited with code ${failure.exitCode}${said ? `: ${said}` : ''}` : `failed${failure.error ? `: ${failure.error}` : ''}`}`
      : 'a step failed';
    const rollsBack = afterActivation && dep.options.autoRollback && dep.kind === 'deploy';
    const untouched = !afterActivation
      ? '; the live release was not changed'
      : rollsBack
        ? '; the release was marked bad; rolling back automatically'
        : `; the release was marked bad and is still in place (it is what the server runs now): roll back with \`devflow rollback ${dep.projectName} --env ${dep.environmentName}\` or from the console`;
    const timedOut = failedStep && !failedStep.out.ok && failedStep.out.result?.status === 'timed_out';
    await this.finish(dep, timedOut ? 'timed_out' : 'failed', `${where}${untouched}`, failure);
    if (rollsBack) {
      await d.autoRollback(dep).catch(async (err: unknown) => {
        await d.log.write(dep.id, `automatic rollback could not be queued: ${(err as Error).message}`, 'stderr');
      });
    }
    return 'finished';
  }

  private async failureInfo(row: DeploymentStepRow, result: StepResult | null): Promise<FailureInfo> {
    const server = await this.d.servers.find(row.serverId);
    return {
      serverId: row.serverId,
      serverName: server?.name ?? row.serverId,
      stage: row.stage,
      step: row.name,
      exitCode: result?.exitCode ?? null,
      error: result?.error ?? null,
      lastLines: await this.d.log.tail(row.stepId, 20),
    };
  }

  async finish(dep: Deployment, status: DeploymentStatus, reason: string | null, failure?: FailureInfo | null): Promise<void> {
    const d = this.d;
    if (!(await d.store.finish(dep.id, status, reason, failure))) return;
    await d.runs.skipPending(dep.id, `not run: the deployment ended ${status}`);
    await d.log.write(dep.id, reason ? `deployment ${status}: ${reason}` : `deployment ${status}`, status === 'succeeded' ? 'system' : 'stderr');
    await d.publish.status({ ...dep, status, reason });
    await d.publish.queue(dep.projectId);
  }
}

/**
 * The line of a failed command's output that says why (a migration's SQL error, a compiler's
 * message): the last one naming an error, else the last non-empty one; cut to stay a reason.
 */
export function errorLine(lines: readonly string[]): string | null {
  const text = lines.map((l) => l.trim()).filter((l) => l.length > 0);
  const reversed = [...text].reverse();
  const pick = reversed.find((l) => /SQLSTATE/.test(l)) ?? reversed.find((l) => /error|exception|fatal|failed/i.test(l)) ?? text.at(-1);
  if (!pick) return null;
  return pick.length > 500 ? `${pick.slice(0, 500)}…` : pick;
}
