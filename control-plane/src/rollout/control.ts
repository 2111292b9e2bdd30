import { AppError } from '../errors.js';
import type { DeploymentStore } from '../deployments/store.js';
import type { RunStore } from '../deployments/run-store.js';
import type { EnginePublisher } from '../events/publish.js';
import { pendingRequest, type RolloutEvent, type RolloutStore } from './store.js';

export interface RolloutControlDeps {
  store: Pick<DeploymentStore, 'get'>;
  runs: Pick<RunStore, 'loadPlan'>;
  rollout: RolloutStore;
  publish: Pick<EnginePublisher, 'rollout'>;
}

/**
 * A person's promote (skip to the next step) or abort of a running canary. The request is
 * recorded, and the orchestrating instance, woken through the bus, acts on it at once. Refused
 * (nothing recorded) when the deployment is not a canary, is finished, or has not yet sent any
 * traffic to the canary.
 */
export class RolloutControl {
  constructor(private readonly d: RolloutControlDeps) {}

  async request(deploymentId: string, action: 'promote' | 'abort', actor: string): Promise<RolloutEvent> {
    const dep = await this.d.store.get(deploymentId);
    if (dep.status !== 'running') throw new AppError('CONFLICT', `deployment ${dep.id} is ${dep.status}: only a running canary can be ${action === 'promote' ? 'promoted' : 'aborted'}`);
    const plan = await this.d.runs.loadPlan(dep.id);
    const gated = plan?.servers.some((s) => s.steps.some((st) => st.gate === 'canary')) ?? false;
    if (!plan || !gated) {
      const strategy = plan?.pipeline.strategy;
      const why = strategy === 'canary' ? 'it has no baseline to compare with (its first release switches directly)' : `its strategy is ${strategy ?? 'not planned yet'}`;
      throw new AppError('CONFLICT', `deployment ${dep.id} is not a canary: ${why}${action === 'abort' ? '; cancel it instead (devflow cancel)' : ''}`);
    }
    const events = await this.d.rollout.list(dep.id);
    if (!events.some((e) => e.kind === 'weight')) {
      throw new AppError('CONFLICT', `deployment ${dep.id} has not sent traffic to its canary yet (it is still building or starting it)${action === 'abort' ? '; cancel it instead (devflow cancel)' : ''}`);
    }
    if (events.some((e) => e.kind === 'promoted' || e.kind === 'aborted')) throw new AppError('CONFLICT', `deployment ${dep.id}'s canary was already ${events.some((e) => e.kind === 'promoted') ? 'promoted to all traffic' : 'aborted'}`);
    if (pendingRequest(events)?.kind === 'abort_requested') throw new AppError('CONFLICT', `deployment ${dep.id} is being aborted already`);
    const event = await this.d.rollout.append(dep.id, { kind: action === 'promote' ? 'promote_requested' : 'abort_requested', actor, message: `${action} requested by ${actor}` });
    await this.d.publish.rollout(dep.id);
    return event;
  }
}
