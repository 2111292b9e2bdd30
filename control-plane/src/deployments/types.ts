import { CommitSha, GitRef } from '@devflow/protocol';
import { z } from 'zod';

export const DEPLOYMENT_STATUSES = ['pending_approval', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'skipped', 'timed_out'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];
/** Statuses after which nothing changes any more. */
export const FINAL_STATUSES: readonly DeploymentStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected', 'skipped', 'timed_out'];
export const isFinal = (s: DeploymentStatus): boolean => FINAL_STATUSES.includes(s);

export type DeploymentKind = 'deploy' | 'rollback';
export type Trigger = 'manual' | 'webhook' | 'schedule' | 'rollback' | 'api';

/** Manual deploy options (issue 3 item 7). Refs are validated here, before anything runs. */
export const DeployOptions = z
  .object({
    branch: GitRef.optional(),
    commit: CommitSha.optional(),
    skipMigrations: z.boolean().optional(),
    skipCache: z.boolean().optional(),
    force: z.boolean().optional(),
    /** Why force is used; required to deploy inside a freeze window (admins only), recorded in the audit log. */
    forceReason: z.string().trim().min(1).max(500).optional(),
    serverIds: z.array(z.string().min(1).max(128)).min(1).max(100).optional(),
    /** Roll back automatically when restart or the health check fails after activation. */
    autoRollback: z.boolean().optional(),
  })
  .strict();
export type DeployOptions = z.infer<typeof DeployOptions>;

export const RollbackOptions = z
  .object({
    toDeploymentId: z.string().min(1).max(128).optional(),
    restoreVariables: z.boolean().optional(),
    runDownMigration: z.boolean().optional(),
    /** Roll back over a deploy lock (maintainer or admin, with forceReason). */
    force: z.boolean().optional(),
    forceReason: z.string().trim().min(1).max(500).optional(),
  })
  .strict();
export type RollbackOptions = z.infer<typeof RollbackOptions>;

/** What is stored in `deployments.options`. */
export interface StoredOptions {
  skipMigrations?: boolean;
  skipCache?: boolean;
  force?: boolean;
  forceReason?: string;
  /** Which rules force overrode (lock, previous-failed, freeze). */
  overrode?: string[];
  serverIds?: string[];
  autoRollback?: boolean;
  restoreVariables?: boolean;
  runDownMigration?: boolean;
}

export interface FailureInfo {
  serverId: string;
  serverName: string;
  stage: string;
  step: string;
  exitCode: number | null;
  error: string | null;
  lastLines: string[];
}

export interface Deployment {
  id: string;
  projectId: string;
  /** Names for display (the id when the project or environment was deleted since). */
  projectName: string;
  environmentId: string;
  environmentName: string;
  kind: DeploymentKind;
  trigger: Trigger;
  userId: string | null;
  /** Who requested it, so every role sees it without access to the users list; null for webhooks and schedules. */
  triggeredBy: { id: string; email: string } | null;
  /** Who asked when no signed-in user did: the webhook's pusher ("octocat (github)"), "schedule <environment>". */
  requestedBy: string | null;
  branch: string | null;
  commit: { sha: string; message: string | null; author: string | null } | null;
  options: StoredOptions;
  status: DeploymentStatus;
  reason: string | null;
  failure: FailureInfo | null;
  /** 1-based place among the project's queued deployments; null unless queued. */
  position: number | null;
  releaseId: string | null;
  rollbackOf: string | null;
  causedBy: string | null;
  /** Skipped: the failed deployment or the freeze window that stopped it. */
  blockedBy: string | null;
  createdAt: number;
  startedAt: number | null;
  activatedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
}

export type TargetStatus = 'pending' | 'running' | 'staged' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out';
export type StepRowStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out' | 'rejected' | 'skipped';

export interface DeploymentTarget {
  serverId: string;
  serverName: string;
  position: number;
  status: TargetStatus;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface DeploymentStepRow {
  serverId: string;
  idx: number;
  ordinal: number;
  stage: string;
  phase: string;
  name: string;
  kind: string;
  stepId: string;
  status: StepRowStatus;
  skipReason: string | null;
  exitCode: number | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
}

export interface DeploymentDetail extends Deployment {
  targets: (DeploymentTarget & { steps: DeploymentStepRow[] })[];
}
