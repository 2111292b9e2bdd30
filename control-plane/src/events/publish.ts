import type { EventBus } from '../ports/event-bus.js';
import type { Deployment } from '../deployments/types.js';
import { DEPLOYMENTS_TOPIC, QUEUE_TOPIC, deploymentTopic, type DeploymentEvent, type QueueEvent } from './topics.js';

/** Publishes engine events; failures to publish never fail the work (the database is the record). */
export class EnginePublisher {
  constructor(
    private readonly bus: EventBus,
    private readonly onError: (err: unknown) => void,
  ) {}

  async status(d: Pick<Deployment, 'id' | 'projectId' | 'environmentId' | 'status' | 'reason'>): Promise<void> {
    const event: DeploymentEvent = {
      type: 'deployment.status',
      deploymentId: d.id,
      projectId: d.projectId,
      environmentId: d.environmentId,
      status: d.status,
      reason: d.reason,
      at: Date.now(),
    };
    await this.safe(deploymentTopic(d.id), event);
    await this.safe(DEPLOYMENTS_TOPIC, event);
  }

  async step(deploymentId: string, serverId: string, idx: number, stepId: string, status: string): Promise<void> {
    const event: DeploymentEvent = { type: 'deployment.step', deploymentId, serverId, idx, stepId, status, at: Date.now() };
    await this.safe(deploymentTopic(deploymentId), event);
  }

  async rollout(deploymentId: string): Promise<void> {
    const event: DeploymentEvent = { type: 'deployment.rollout', deploymentId, at: Date.now() };
    await this.safe(deploymentTopic(deploymentId), event);
  }

  async queue(projectId: string): Promise<void> {
    const event: QueueEvent = { type: 'queue.changed', projectId, at: Date.now() };
    await this.safe(QUEUE_TOPIC, event);
  }

  async cancel(deploymentId: string, reason: string): Promise<void> {
    const event: DeploymentEvent = { type: 'deployment.cancel', deploymentId, reason, at: Date.now() };
    await this.bus.publish(deploymentTopic(deploymentId), event);
  }

  private async safe(topic: string, event: unknown): Promise<void> {
    try {
      await this.bus.publish(topic, event);
    } catch (err) {
      this.onError(err);
    }
  }
}
