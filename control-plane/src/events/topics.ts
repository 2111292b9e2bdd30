import type { DeploymentStatus } from '../deployments/types.js';

/**
 * Topics the engine publishes on the EventBus. Events only wake readers up (at-most-once):
 * a browser or the CLI re-reads the API for the record.
 */
export const QUEUE_TOPIC = 'queue';
export const DEPLOYMENTS_TOPIC = 'deployments';
export const deploymentTopic = (id: string): string => `deployment:${id}`;

/** On `deployment:<id>` and `deployments`. */
export type DeploymentEvent =
  | { type: 'deployment.status'; deploymentId: string; projectId: string; environmentId: string; status: DeploymentStatus; reason: string | null; at: number }
  /** A step row of the deployment changed (started, finished, skipped): re-read its detail. */
  | { type: 'deployment.step'; deploymentId: string; serverId: string; idx: number; stepId: string; status: string; at: number }
  /** Control-plane lines written into the deployment log (e.g. a devflow.yml error). */
  | { type: 'deployment.log'; deploymentId: string; at: number }
  /** A progressive deployment changed weight, judged a window, or a person asked to promote or abort: re-read its rollout. */
  | { type: 'deployment.rollout'; deploymentId: string; at: number }
  /** Asks whichever instance runs the deployment to cancel it. */
  | { type: 'deployment.cancel'; deploymentId: string; reason: string; at: number };

/** On `queue`: the project's queue changed (added, claimed, cancelled, reordered, finished). */
export interface QueueEvent {
  type: 'queue.changed';
  projectId: string;
  at: number;
}
