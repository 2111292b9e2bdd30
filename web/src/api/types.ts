/**
 * Entity shapes the control plane returns (JSON, camelCase). Kept by hand next to the API
 * contract in README.md; the console reads them, it never validates them.
 */
/** The API sends instants as epoch milliseconds; ISO strings are accepted too. */
export type Instant = number | string;

export type Role = 'admin' | 'maintainer' | 'deployer' | 'approver' | 'viewer';

export interface User {
  id: string;
  email: string;
  name?: string | null;
  role: Role;
  /** Admin users list only: a disabled user cannot log in and their tokens are refused. */
  disabled?: boolean;
}

export type ServerStatus = 'online' | 'offline' | 'pending';

/** Labels are `key: value` pairs; older answers may send a plain list. */
export type Labels = Record<string, string> | string[];

export interface HostFacts {
  hostname?: string;
  os?: string;
  arch?: string;
  cpus?: number;
  memoryBytes?: number;
  diskFreeBytes?: number;
  [fact: string]: unknown;
}

export interface Server {
  id: string;
  name: string;
  labels: Labels;
  status: ServerStatus;
  enrolled?: boolean;
  lastSeenAt: Instant | null;
  agentVersion: string | null;
  host: HostFacts | null;
  createdAt: Instant;
}

export interface AddedServer {
  id?: string;
  enrollToken: string;
  installCommand: string;
  expiresAt?: Instant;
}

export type Preset = 'node' | 'laravel' | 'static' | 'custom';
export type Strategy = 'in-place' | 'blue-green';

/** A shell string (run with `sh -c` in the release) or an argv array run without a shell. */
export type Command = string | { argv: string[] };
export type Commands = false | null | Command | Command[];

export const STAGES = ['fetch', 'link', 'install', 'build', 'migrate', 'activate', 'cache', 'restart', 'healthcheck', 'cleanup'] as const;
export type Stage = (typeof STAGES)[number];
/** Stages whose main commands a preset, the console or devflow.yml can set. */
export const COMMAND_STAGES = ['install', 'build', 'migrate', 'cache', 'restart'] as const;
export type CommandStage = (typeof COMMAND_STAGES)[number];

/** One layer of pipeline settings (control-plane/src/pipeline/settings.ts): only what it changes. */
export interface PipelineOverrides extends Partial<Record<CommandStage, Commands>> {
  preset?: Preset;
  strategy?: Strategy;
  start?: Command | false | null;
  downMigrate?: Command | false | null;
  hooks?: Partial<Record<Stage, { before?: Command | Command[]; after?: Command | Command[] }>>;
  sharedPaths?: string[];
  envFile?: string | false | null;
  healthcheck?: { enabled?: boolean; path?: string; expectStatus?: number; timeout?: number; healthyAfter?: number } | false;
  keepReleases?: number;
  timeouts?: Partial<Record<Stage, number>>;
}

export interface EnvLock {
  /** Email (or id) of who locked it. */
  by: string | null;
  reason: string | null;
  since: Instant;
}

export interface LiveRelease {
  deploymentId: string;
  releaseId?: string | null;
  commit: string | Commit | null;
  at: Instant | null;
  by?: string | null;
}

/** What the project list carries of each environment (GET /api/projects). */
export interface EnvironmentSummary {
  id: string;
  name: string;
  branch: string;
  /** null: not chosen; deployments run blue-green when DevFlow starts the app on a port, else in-place. */
  strategy: Strategy | null;
  autoDeploy: boolean;
  lock: EnvLock | null;
  liveRelease: LiveRelease | null;
}

export interface ApprovalSetting {
  required: boolean;
  approvers: number;
  expiresAfterSeconds: number;
  /** Rollbacks wait for approval too. */
  rollbacks: boolean;
}

export interface Environment extends EnvironmentSummary {
  projectId: string;
  serverIds: string[];
  servers: { id: string; name: string; status: string }[];
  keepReleases: number;
  /** Variable names; values are never returned. */
  variables: string[];
  pipeline: PipelineOverrides;
  port: number | null;
  /** Effective blue/green ports (default port + 1 and port + 2); null without a port. */
  slotPorts: { blue: number; green: number } | null;
  /** Host-header routing on the shared public port (blue-green); null: every host. */
  hostname: string | null;
  /** Effective seconds per stage (defaults with overrides). */
  stageTimeouts: Partial<Record<Stage, number>>;
  healthcheckPath: string | null;
  startCommand: string | null;
  autoRollback: boolean;
  approval: ApprovalSetting;
  /** "Only if the previous deployment succeeded" (webhook and schedule deployments skip; people need force). */
  requirePreviousSuccess: boolean;
  /** The latest deployment that ran to an end, when it failed. */
  previousFailure: { deploymentId: string; status: string; reason: string | null; finishedAt: Instant } | null;
}

export interface ProjectBase {
  id: string;
  name: string;
  repositoryUrl: string;
  preset: Preset;
  defaultBranch: string;
  credentials: { sshPrivateKey: boolean; httpsToken: boolean };
}

/** One project with its environments in full (the project page and settings). */
export interface Project extends ProjectBase {
  environments: Environment[];
}

/** A project as the list answers it: environments in summary. */
export interface ProjectSummary extends ProjectBase {
  environments: EnvironmentSummary[];
}

/** Stage timeouts the control plane applies when none is set (README, Pipeline). */
export const DEFAULT_STAGE_TIMEOUTS: Record<Stage, number> = {
  fetch: 300, link: 120, install: 900, build: 900, migrate: 600, activate: 120, cache: 300, restart: 120, healthcheck: 120, cleanup: 300,
};

export const DEPLOYMENT_STATUSES = [
  'pending_approval',
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'rejected',
  'skipped',
  'timed_out',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];
export const ACTIVE_STATUSES: readonly DeploymentStatus[] = ['pending_approval', 'queued', 'running'];

export interface Commit {
  sha: string;
  message: string;
  author: string;
  date?: Instant;
}

export interface StepSummary {
  id: string;
  stage: string;
  name: string;
  status: string;
  exitCode: number | null;
  error?: string | null;
  skipReason?: string | null;
  startedAt: Instant | null;
  finishedAt: Instant | null;
  durationMs: number | null;
}

export interface DeploymentTarget {
  serverId: string;
  serverName: string;
  status: string;
  steps: StepSummary[];
}

export interface DeployOptions {
  skipMigrations?: boolean;
  skipCache?: boolean;
  force?: boolean;
  /** Why force is used (needed, from an admin, inside a freeze window). */
  forceReason?: string;
  serverIds?: string[] | null;
}

export interface Deployment {
  id: string;
  projectId: string;
  projectName: string;
  environmentId: string;
  environmentName: string;
  kind: 'deploy' | 'rollback';
  trigger: string;
  triggeredBy: { id: string; email: string } | null;
  userId?: string | null;
  branch: string | null;
  commit: Commit | null;
  options: DeployOptions | null;
  status: DeploymentStatus;
  queuePosition: number | null;
  reason: string | null;
  failure?: FailureInfo | null;
  rollbackOf: string | null;
  /** The release it made (a rollback: the one it re-activated); null before one was picked. */
  releaseId: string | null;
  /** Skipped: the failed deployment (dep_…) or the freeze window (frz_…) that stopped it. */
  blockedBy: string | null;
  createdAt: Instant;
  startedAt: Instant | null;
  finishedAt: Instant | null;
  durationMs: number | null;
  targets?: DeploymentTarget[];
}

/** Where a failed deployment broke, with the last lines of output. */
export interface FailureInfo {
  serverId: string;
  serverName: string;
  stage: string;
  step: string;
  exitCode: number | null;
  error: string | null;
  lastLines: string[];
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

/** One log line as the live stream and `?format=json` deliver it. */
export interface LogLine {
  cursor?: string | number;
  server?: string;
  serverId: string | null;
  step?: string | null;
  stepId: string | null;
  stage: string | null;
  seq: number;
  stream: 'stdout' | 'stderr' | string;
  ts: string | number;
  text: string;
}

/** A release still on disk on the environment's servers, one row per release: a rollback target. */
export interface Release {
  releaseId: string;
  deploymentId: string;
  /** live on any server, else bad (failed its health check), previous, staged. */
  status: 'live' | 'previous' | 'bad' | 'staged';
  commit: Commit | null;
  branch: string | null;
  deployedBy: { id: string; email: string } | null;
  createdAt: Instant;
  activatedAt: Instant | null;
  hasVariablesSnapshot: boolean;
  servers: { id: string; name: string; status: string }[];
  /** A maintainer marked it as a rollback target. */
  marked: boolean;
  /** The rollback rule's verdict, as POST …/rollback would answer it. */
  rollback: { allowed: true } | { allowed: false; reason: 'not_on_all' | 'already_live' | 'bad' | 'never_live'; message: string };
}

export interface ApiToken {
  id: string;
  name: string;
  createdAt: Instant;
  lastUsedAt?: Instant | null;
  /** When the token stops working; null = never. */
  expiresAt?: Instant | null;
}
