import { z } from 'zod';
import { ROLES } from '../auth/users.js';
import { DEPLOYMENT_STATUSES } from '../deployments/types.js';
import { StrategyChoice } from '../environments/types.js';

/**
 * Response bodies, for the OpenAPI document. The services return TypeScript interfaces; these
 * mirror them field by field (objects stay open to additions) and openapi.test.ts checks real
 * answers against them, so they cannot drift silently. Times are epoch milliseconds.
 */
export const ms = z.number().int();
const optMs = ms.nullable();

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe('one of the closed set in errors.ts, e.g. VALIDATION_FAILED, NOT_FOUND, FORBIDDEN'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const User = z.looseObject({ id: z.string(), email: z.string(), role: z.enum(ROLES), createdAt: ms.optional() });
export const Me = z.object({ user: User, authMethod: z.enum(['session', 'token']).optional() });
export const ApiToken = z.looseObject({ id: z.string(), name: z.string(), createdAt: ms, lastUsedAt: optMs, expiresAt: optMs });
export const CreatedToken = ApiToken.extend({ token: z.string().describe('shown once') });

export const Server = z.looseObject({
  id: z.string(),
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  status: z.enum(['online', 'offline']),
  lastSeenAt: optMs,
  agentVersion: z.string().nullable(),
  host: z.record(z.string(), z.unknown()).nullable(),
  enrolled: z.boolean(),
  enrolledAt: optMs,
  createdAt: ms,
});
export const CreatedServer = z.object({ id: z.string(), enrollToken: z.string(), installCommand: z.string() });
export const EnrollToken = z.object({ enrollToken: z.string(), installCommand: z.string(), expiresAt: ms });

export const Project = z.looseObject({
  id: z.string(),
  name: z.string(),
  repositoryUrl: z.string(),
  preset: z.enum(['node', 'laravel', 'static', 'custom']),
  defaultBranch: z.string(),
  credentials: z.object({ sshPrivateKey: z.boolean(), httpsToken: z.boolean() }),
  createdAt: ms,
  updatedAt: ms,
});

export const Environment = z.looseObject({
  id: z.string(),
  projectId: z.string(),
  project: z.string(),
  name: z.string(),
  app: z.string(),
  branch: z.string(),
  strategy: StrategyChoice,
  port: z.number().int().nullable(),
  healthcheckPath: z.string(),
  keepReleases: z.number().int(),
  autoRollback: z.boolean(),
  servers: z.array(z.looseObject({ id: z.string(), name: z.string(), status: z.string() })),
  variables: z.array(z.string()).describe('names only; values are never returned'),
  lock: z.looseObject({ by: z.string(), reason: z.string(), since: ms }).nullable(),
  liveRelease: z.looseObject({ deploymentId: z.string(), releaseId: z.string() }).nullable(),
  createdAt: ms,
  updatedAt: ms,
});

const Person = z.object({ id: z.string(), email: z.string() });

export const Deployment = z.looseObject({
  id: z.string(),
  projectId: z.string(),
  projectName: z.string().describe('the id when the project was deleted since'),
  environmentId: z.string(),
  environmentName: z.string(),
  kind: z.enum(['deploy', 'rollback']),
  trigger: z.enum(['manual', 'webhook', 'schedule', 'rollback', 'api']),
  userId: z.string().nullable(),
  triggeredBy: Person.nullable().describe('who requested it; null for webhooks and schedules'),
  branch: z.string().nullable(),
  commit: z.object({ sha: z.string(), message: z.string().nullable(), author: z.string().nullable() }).nullable(),
  status: z.enum(DEPLOYMENT_STATUSES),
  reason: z.string().nullable(),
  failure: z.record(z.string(), z.unknown()).nullable(),
  position: z.number().int().nullable(),
  releaseId: z.string().nullable(),
  rollbackOf: z.string().nullable(),
  causedBy: z.string().nullable(),
  blockedBy: z.string().nullable().describe('skipped: the failed deployment or the freeze window that stopped it'),
  createdAt: ms,
  startedAt: optMs,
  activatedAt: optMs,
  finishedAt: optMs,
  durationMs: z.number().nullable(),
});
export const DeploymentDetail = Deployment.extend({ targets: z.array(z.record(z.string(), z.unknown())) });
const SlotWindowFigures = z.object({ requests: z.number().int(), errors5xx: z.number().int(), connectionErrors: z.number().int(), errorRate: z.number(), p95Ms: z.number().nullable(), p99Ms: z.number().nullable() });
export const RolloutEvent = z.object({
  seq: z.number().int(),
  at: ms,
  kind: z.enum(['weight', 'window', 'paused', 'promote_requested', 'abort_requested', 'promoted', 'aborted']),
  weight: z.number().nullable().describe('percent of clients on the canary'),
  verdict: z.enum(['pass', 'fail', 'inconclusive']).nullable(),
  figures: z.object({ canary: SlotWindowFigures, baseline: SlotWindowFigures }).nullable().describe('an analysis window: both slots over the same time'),
  message: z.string().nullable(),
  actor: z.string().nullable(),
});
export const DeploymentPage = z.object({ items: z.array(Deployment), total: z.number().int(), page: z.number().int(), limit: z.number().int() });
export const DeployOutcome = z.looseObject({ deployment: Deployment, outcome: z.enum(['queued', 'pending_approval', 'merged', 'skipped', 'failed']) });
/** A rollback's answer also says which variables it applies (deployments/rollback-variables.ts). */
export const RollbackOutcome = DeployOutcome.extend({
  variables: z.object({ applies: z.enum(['current', 'snapshot']), changed: z.array(z.string()).nullable(), note: z.string() }),
});

export const Release = z.looseObject({
  serverId: z.string(),
  releaseId: z.string(),
  deploymentId: z.string(),
  commitSha: z.string().nullable(),
  status: z.enum(['staged', 'live', 'previous', 'bad', 'pruned']),
  createdAt: ms,
  activatedAt: optMs,
});

const ReleaseStatus = z.enum(['staged', 'live', 'previous', 'bad']);
export const ReleaseRow = z.looseObject({
  releaseId: z.string(),
  deploymentId: z.string(),
  status: ReleaseStatus.describe('live on any server, else bad, previous, staged'),
  commit: z.object({ sha: z.string(), message: z.string().nullable(), author: z.string().nullable() }).nullable(),
  branch: z.string().nullable(),
  deployedBy: Person.nullable(),
  createdAt: ms,
  activatedAt: optMs,
  hasVariablesSnapshot: z.boolean(),
  servers: z.array(z.object({ id: z.string(), name: z.string(), status: z.string() })),
  marked: z.boolean().describe('a maintainer marked it as a rollback target'),
  rollback: z
    .discriminatedUnion('allowed', [
      z.object({ allowed: z.literal(true) }),
      z.object({ allowed: z.literal(false), reason: z.enum(['not_on_all', 'already_live', 'bad', 'never_live']), message: z.string() }),
    ])
    .describe('whether POST …/rollback with this release is accepted, and why not (the same rule)'),
});

export const EnvironmentOverview = z.looseObject({
  id: z.string(),
  name: z.string(),
  branch: z.string(),
  strategy: StrategyChoice,
  autoDeploy: z.boolean(),
  lock: z.looseObject({ by: z.string(), byEmail: z.string().nullable(), reason: z.string(), since: ms }).nullable(),
  liveRelease: z
    .looseObject({ deploymentId: z.string(), releaseId: z.string(), commit: z.string().nullable(), commitMessage: z.string().nullable(), activatedAt: optMs, by: z.string().nullable(), serverIds: z.array(z.string()) })
    .nullable(),
});
export const ProjectWithEnvironments = Project.extend({ environments: z.array(EnvironmentOverview) });

export const LogLine = z.record(z.string(), z.unknown()).describe('one log line: server, step, stream, ts, text');
export const DeploymentLogPage = z.object({ lines: z.array(LogLine), next: z.string().nullable(), more: z.boolean() });
export const StepLogPage = z.object({
  lines: z.array(z.object({ seq: z.number().int(), stream: z.string(), ts: ms, text: z.string() })),
  next: z.number().int().nullable(),
});
export const Step = z.looseObject({ id: z.string(), agentId: z.string(), deploymentId: z.string().nullable(), kind: z.string(), status: z.string(), createdAt: ms });

export const Approval = z.looseObject({
  deployment: Deployment,
  project: z.string(),
  environment: z.string(),
  required: z.number().int(),
  approvals: z.array(z.looseObject({ userId: z.string(), email: z.string(), decision: z.enum(['approved', 'rejected']), reason: z.string().nullable(), at: ms })),
  rejection: z.looseObject({ userId: z.string(), email: z.string() }).nullable(),
  expiresAt: ms,
});

export const Commit = z.looseObject({ sha: z.string(), message: z.string() });
export const Ok = z.object({ ok: z.literal(true) });
export const Notification = z.looseObject({ id: z.string() }).describe('a channel: type, rules, templates; secrets never returned');
export const Schedule = z.looseObject({ environmentId: z.string(), cron: z.string(), timezone: z.string(), enabled: z.boolean(), updatedAt: ms });
export const ScheduleFire = z.looseObject({ firedAt: ms, deploymentId: z.string().nullable(), outcome: z.string(), error: z.string().nullable() });

export const FreezeWindow = z.looseObject({
  id: z.string(),
  environment: z.string().nullable().describe('null: every environment of the project'),
  kind: z.enum(['once', 'recurring']),
  startsAt: optMs,
  endsAt: optMs,
  cron: z.string().nullable(),
  durationMinutes: z.number().int().nullable(),
  timezone: z.string().nullable(),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: ms,
});
export const FreezePeriod = z.object({ windowId: z.string(), start: ms, end: ms, reason: z.string(), environment: z.string().nullable() });
