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

export interface Environment {
  id: string;
  projectId: string;
  name: string;
  branch: string;
  serverIds: string[];
  servers: { id: string; name: string; status: string }[];
  strategy: Strategy;
  keepReleases: number;
  /** Variable names; values are never returned. */
  variables: string[];
  pipeline: PipelineOverrides;
  port: number | null;
  healthcheckPath: string | null;
  startCommand: string | null;
  autoRollback: boolean;
  lock: EnvLock | null;
  liveRelease: LiveRelease | null;
}

export interface Project {
  id: string;
  name: string;
  repositoryUrl: string;
  preset: Preset;
  defaultBranch: string;
  credentials: { sshPrivateKey: boolean; httpsToken: boolean };
  /** Filled by the console from the environments endpoint when the project answer has none. */
  environments: Environment[];
}

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

/** A release still on disk on the environment's servers: a rollback target. */
export interface Release {
  deploymentId: string;
  releaseId?: string;
  /** live, previous, staged, bad (failed its health check) or pruned. */
  status?: string;
  commit: Commit | null;
  branch?: string | null;
  createdAt?: Instant;
  at?: Instant;
  live?: boolean;
  hasVariablesSnapshot?: boolean;
  serverIds?: string[];
}

export interface ApiToken {
  id: string;
  name: string;
  createdAt: Instant;
  lastUsedAt?: Instant | null;
}
