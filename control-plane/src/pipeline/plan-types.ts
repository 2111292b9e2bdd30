import type { SlotName } from '@devflow/protocol';
import type { GitCredentials } from '../repositories/index.js';
import type { RepoFacts } from './presets.js';
import type { ResolvedPipeline } from './resolve.js';
import type { DevflowConfig, PipelineSettings, Preset } from './settings.js';
import type { PlannedStep } from './steps.js';

/**
 * What the planner takes and gives. Its own module so the parts of the planner (check,
 * server-steps, strategy-change) depend on these shapes, not on plan.ts, and the folder reads
 * top-down: plan -> check / server-steps -> strategy-change -> steps.
 */

export interface ServerPlan {
  serverId: string;
  steps: PlannedStep[];
}

export interface DeploymentPlan {
  releaseId: string;
  /** Migrate steps appear only on the first server (migrations are database-wide). */
  servers: ServerPlan[];
  /** Values to mask in logs (env var values, tokens). */
  secrets: string[];
  /** Stages up to (not including) this one run on every server before ANY server activates. */
  barrierBefore: 'activate';
  /** The settings the plan was made from (preset, strategy, keepReleases, …), for display and rollback. */
  pipeline: ResolvedPipeline;
}

/** The environment as the planner needs it; `settings` are its console settings (columns + pipeline overrides). */
export interface PlanEnvironment {
  name: string;
  /** `<project>-<env>`, the app directory on servers. */
  app: string;
  /** Where the app answers on each server (the proxy's public port for blue-green); null = no HTTP port. */
  port: number | null;
  /** Blue-green slot ports. */
  slotPorts: { blue: number; green: number } | null;
  /** The proxy routes only requests for this Host to the app (several environments share the public port). */
  hostname?: string | null;
  settings: PipelineSettings;
  /** Decrypted environment variables. */
  variables: Record<string, string>;
}

export interface PlanServer {
  serverId: string;
  liveReleaseId: string | null;
  /** Releases on the server that went live and then failed (bad): pruned first, not counted toward keepReleases. */
  failedReleaseIds?: string[];
  /** Slot serving traffic now (blue-green); the new release goes to the other one. */
  liveSlot: SlotName | null;
  /** Blue/green slots a release was started on and not stopped since: without a live release, the proxy may still route to one. */
  occupiedSlots?: SlotName[];
}

export interface PlanInput {
  releaseId: string;
  /** Full commit sha being deployed. */
  commit: string;
  /** Branch the agent fetches (the deployment's branch, else the environment's). */
  branch: string;
  project: { preset: Preset; repositoryUrl: string; credentials?: GitCredentials };
  environment: PlanEnvironment;
  /** Facts at the commit and its devflow.yml (see inspectCommit). */
  repo: RepoFacts & { config: DevflowConfig | null };
  options: { skipMigrations?: boolean; skipCache?: boolean };
  /** Target servers, in order; the first one runs migrations. */
  servers: PlanServer[];
}
