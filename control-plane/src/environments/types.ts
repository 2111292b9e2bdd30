import { HostName } from '@devflow/protocol';
import { z } from 'zod';
import { ApprovalRuleInput, type ApprovalRule } from '../approvals/rule.js';
import { PipelineSettings, type Strategy } from '../pipeline/settings.js';
import { STAGES, type StageName } from '../pipeline/stages.js';
import { BranchInput, Slug } from '../projects/types.js';
import type { PreviousFailure } from './previous-failure.js';

const Port = z.number().int().min(1).max(65535);
const StageTimeouts = z
  .object(Object.fromEntries(STAGES.map((s) => [s, z.number().int().min(1).max(24 * 3600).optional()])) as Record<StageName, z.ZodOptional<z.ZodNumber>>)
  .strict();

/** Variable names as the protocol's step env accepts them (and as shells and dotenv read them). */
export const VariableName = z.string().max(128).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and "_", not starting with a digit');

/** An environment's strategy; null (the default) lets each deployment pick (pipeline/resolve.ts). */
export const StrategyChoice = z
  .enum(['in-place', 'blue-green', 'canary'])
  .nullable()
  .describe('null: not chosen; a deployment runs blue-green when the environment has a port and DevFlow starts the app (a start command, no restart command), else in-place');

const settingsFields = {
  branch: BranchInput,
  strategy: StrategyChoice,
  port: Port.nullable(),
  /** Blue-green slot ports; default port + 1 (blue) and port + 2 (green). */
  bluePort: Port.nullable(),
  greenPort: Port.nullable(),
  /** How the agent starts the app (PORT set); null = the preset's (node: `npm start`). */
  startCommand: z.string().trim().min(1).max(8192).nullable(),
  healthcheckPath: z.string().regex(/^\/[^\s]*$/, 'must start with "/" and contain no spaces').max(2048),
  keepReleases: z.number().int().min(1).max(100),
  /** Seconds per step, per stage, over the defaults. */
  stageTimeouts: StageTimeouts,
  /** Pipeline overrides: the same shape as devflow.yml (commands, hooks, sharedPaths, …). */
  pipeline: PipelineSettings,
  /** Roll back automatically when restart or health check fails after activation. */
  autoRollback: z.boolean(),
  /** Server ids, in deployment order (the first runs migrations). */
  serverIds: z.array(z.string().min(1).max(128)).max(100),
  /** Deploy when the environment's branch is pushed (git webhook, webhooks/). */
  autoDeploy: z.boolean(),
  /** Deploy requests wait for approval (approvals/). */
  approval: ApprovalRuleInput,
  /**
   * The traffic proxy routes to this environment only requests whose Host is this name, so several
   * blue-green environments share one public port (e.g. previews `pr-12.preview.example.com`); null: every host.
   */
  hostname: HostName.nullable(),
  /** Webhook and schedule deployments are skipped, and people need force, while the last deployment failed. */
  requirePreviousSuccess: z.boolean(),
};

export const CreateEnvironment = z
  .object({
    name: Slug,
    ...Object.fromEntries(Object.entries(settingsFields).map(([k, v]) => [k, v.optional()])),
  } as { name: typeof Slug } & { [K in keyof typeof settingsFields]: z.ZodOptional<(typeof settingsFields)[K]> })
  .strict();
export type CreateEnvironment = z.input<typeof CreateEnvironment>;

export const UpdateEnvironment = z
  .object(Object.fromEntries(Object.entries(settingsFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof settingsFields]: z.ZodOptional<(typeof settingsFields)[K]> })
  .strict();
export type UpdateEnvironment = z.input<typeof UpdateEnvironment>;

/** `null` deletes a variable; other keys are left as they are. */
/** JSON.parse keeps a `__proto__` key as an own property, but zod's record drops it silently: refuse it by name. */
const hasProtoKey = (v: unknown): boolean => typeof v === 'object' && v !== null && Object.prototype.hasOwnProperty.call(v, '__proto__');

export const SetVariables = z
  .object({
    variables: z
      .custom<unknown>()
      .refine((v) => !hasProtoKey(v), '"__proto__" is not allowed as a variable name')
      .pipe(z.record(VariableName, z.string().max(64 * 1024).nullable()).refine((v) => Object.keys(v).length <= 500, 'at most 500 variables per request')),
  })
  .strict();
export type SetVariables = z.input<typeof SetVariables>;

export const LockInput = z.object({ reason: z.string().trim().min(1, 'say why the environment is locked').max(500) }).strict();

/** What E2's deployments module reports as live; null until something was deployed. */
export interface LiveRelease {
  deploymentId: string;
  releaseId: string;
  commit: string | null;
  activatedAt: number | null;
}

export interface EnvironmentLock {
  by: string;
  byEmail: string | null;
  reason: string;
  since: number;
}

export interface Environment {
  id: string;
  projectId: string;
  project: string;
  name: string;
  /** `<project>-<env>`: the app directory on servers. */
  app: string;
  branch: string;
  /** null: not chosen, DevFlow picks per deployment (blue-green for an app it starts on a port). */
  strategy: Strategy | null;
  port: number | null;
  slotPorts: { blue: number; green: number } | null;
  /** Host-header routing on the shared public port; null: every host. */
  hostname: string | null;
  startCommand: string | null;
  healthcheckPath: string;
  keepReleases: number;
  /** Effective seconds per stage (defaults with overrides applied). */
  stageTimeouts: Record<StageName, number>;
  pipeline: PipelineSettings;
  autoRollback: boolean;
  /** A push of `branch` (git webhook) deploys it. */
  autoDeploy: boolean;
  approval: ApprovalRule;
  /** The "only if the previous deployment succeeded" rule (default on). */
  requirePreviousSuccess: boolean;
  /** The latest deployment that ran to an end, when it failed; null otherwise. */
  previousFailure: PreviousFailure | null;
  servers: { id: string; name: string; status: string }[];
  /** Variable names only; values are never returned. */
  variables: string[];
  lock: EnvironmentLock | null;
  liveRelease: LiveRelease | null;
  createdAt: number;
  updatedAt: number;
}
