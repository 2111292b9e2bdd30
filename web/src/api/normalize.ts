import type { Commit, Deployment, DeploymentTarget, Environment, EnvironmentSummary, FailureInfo, LiveRelease, Project, ProjectBase, ProjectSummary, Release, Server, StepSummary } from './types.js';

/**
 * The control plane's answers turned into the shapes the pages use: `position` becomes
 * `queuePosition`, a live release's sha + message one Commit, missing optional fields
 * defaults — resolved here, once, instead of in every page.
 */
type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (v && typeof v === 'object' ? (v as Raw) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const instant = (v: unknown): number | string | null => (typeof v === 'number' || typeof v === 'string' ? v : null);

export function commit(raw: unknown): Commit | null {
  if (!raw) return null;
  if (typeof raw === 'string') return { sha: raw, message: '', author: '' };
  const r = obj(raw);
  const sha = str(r.sha);
  if (!sha) return null;
  return { sha, message: str(r.message) ?? '', author: str(r.author) ?? '', date: instant(r.committedAt ?? r.date) ?? undefined };
}

function liveRelease(raw: unknown): LiveRelease | null {
  if (!raw) return null;
  const r = obj(raw);
  const sha = str(r.commit);
  const message = str(r.commitMessage);
  return {
    deploymentId: str(r.deploymentId) ?? '',
    releaseId: str(r.releaseId),
    // The list answers the commit's message next to its sha; one environment answers the sha only.
    commit: sha && message !== null ? { sha, message, author: '' } : sha,
    at: instant(r.activatedAt ?? r.at),
    by: str(r.by),
  };
}

function lock(raw: unknown): EnvironmentSummary['lock'] {
  if (!raw) return null;
  const l = obj(raw);
  return { by: str(l.byEmail) ?? str(l.by), reason: str(l.reason), since: instant(l.since) ?? 0 };
}

export function environmentSummary(raw: unknown): EnvironmentSummary {
  const r = obj(raw);
  return {
    id: str(r.id) ?? '',
    name: str(r.name) ?? '',
    branch: str(r.branch) ?? 'main',
    strategy: r.strategy === 'blue-green' || r.strategy === 'in-place' ? r.strategy : null,
    autoDeploy: r.autoDeploy === true,
    lock: lock(r.lock),
    liveRelease: liveRelease(r.liveRelease),
  };
}

export function environment(raw: unknown): Environment {
  const r = obj(raw);
  const servers = Array.isArray(r.servers) ? (r.servers as Environment['servers']) : [];
  const approval = obj(r.approval);
  const slots = r.slotPorts ? obj(r.slotPorts) : null;
  return {
    ...environmentSummary(raw),
    projectId: str(r.projectId) ?? '',
    serverIds: servers.map((s) => s.id),
    servers,
    keepReleases: num(r.keepReleases) ?? 10,
    variables: Array.isArray(r.variables) ? r.variables.filter((v): v is string => typeof v === 'string') : [],
    pipeline: obj(r.pipeline),
    port: num(r.port),
    slotPorts: slots && num(slots.blue) !== null && num(slots.green) !== null ? { blue: num(slots.blue)!, green: num(slots.green)! } : null,
    stageTimeouts: obj(r.stageTimeouts) as Environment['stageTimeouts'],
    hostname: str(r.hostname),
    healthcheckPath: str(r.healthcheckPath),
    startCommand: str(r.startCommand),
    autoRollback: r.autoRollback === true,
    approval: { required: approval.required === true, approvers: num(approval.approvers) ?? 1, expiresAfterSeconds: num(approval.expiresAfterSeconds) ?? 86_400, rollbacks: approval.rollbacks === true },
    requirePreviousSuccess: r.requirePreviousSuccess !== false,
    previousFailure: previousFailure(r.previousFailure),
  };
}

function previousFailure(raw: unknown): Environment['previousFailure'] {
  if (!raw) return null;
  const f = obj(raw);
  return { deploymentId: str(f.deploymentId) ?? '', status: str(f.status) ?? 'failed', reason: str(f.reason), finishedAt: instant(f.finishedAt) ?? 0 };
}

function projectBase(r: Record<string, unknown>): ProjectBase {
  const creds = obj(r.credentials);
  return {
    id: str(r.id) ?? '',
    name: str(r.name) ?? '',
    repositoryUrl: str(r.repositoryUrl) ?? '',
    preset: (str(r.preset) ?? 'custom') as Project['preset'],
    defaultBranch: str(r.defaultBranch) ?? 'main',
    credentials: { sshPrivateKey: creds.sshPrivateKey === true, httpsToken: creds.httpsToken === true },
  };
}

/** A project from the list, with its environments in summary. */
export function projectSummary(raw: unknown): ProjectSummary {
  const r = obj(raw);
  return { ...projectBase(r), environments: Array.isArray(r.environments) ? r.environments.map(environmentSummary) : [] };
}

/** One project with its environments in full (from the environments endpoint). */
export function project(raw: unknown, environments: Environment[]): Project {
  return { ...projectBase(obj(raw)), environments };
}

export function server(raw: unknown): Server {
  return raw as Server;
}

function step(raw: unknown): StepSummary {
  const r = obj(raw);
  return {
    id: str(r.id) ?? str(r.stepId) ?? `${str(r.serverId)}-${num(r.idx)}`,
    stage: str(r.stage) ?? '',
    name: str(r.name) ?? '',
    status: str(r.status) ?? 'pending',
    exitCode: num(r.exitCode),
    error: str(r.error),
    skipReason: str(r.skipReason),
    startedAt: instant(r.startedAt),
    finishedAt: instant(r.finishedAt),
    durationMs: num(r.durationMs),
  };
}

function target(raw: unknown): DeploymentTarget {
  const r = obj(raw);
  return {
    serverId: str(r.serverId) ?? '',
    serverName: str(r.serverName) ?? str(r.serverId) ?? '',
    status: str(r.status) ?? 'pending',
    steps: Array.isArray(r.steps) ? r.steps.map(step) : [],
  };
}

export function deployment(raw: unknown): Deployment {
  const r = obj(raw);
  const by = r.triggeredBy ? obj(r.triggeredBy) : null;
  return {
    id: str(r.id) ?? '',
    projectId: str(r.projectId) ?? '',
    projectName: str(r.projectName) ?? str(r.projectId) ?? '',
    environmentId: str(r.environmentId) ?? '',
    environmentName: str(r.environmentName) ?? str(r.environmentId) ?? '',
    kind: r.kind === 'rollback' ? 'rollback' : 'deploy',
    trigger: str(r.trigger) ?? 'manual',
    triggeredBy: by && str(by.email) ? { id: str(by.id) ?? '', email: str(by.email)! } : null,
    userId: str(r.userId),
    branch: str(r.branch),
    commit: commit(r.commit),
    options: obj(r.options),
    status: (str(r.status) ?? 'queued') as Deployment['status'],
    queuePosition: num(r.queuePosition) ?? num(r.position),
    reason: str(r.reason),
    failure: r.failure ? (r.failure as FailureInfo) : null,
    rollbackOf: str(r.rollbackOf),
    releaseId: str(r.releaseId),
    blockedBy: str(r.blockedBy),
    createdAt: instant(r.createdAt) ?? 0,
    startedAt: instant(r.startedAt),
    finishedAt: instant(r.finishedAt),
    durationMs: num(r.durationMs),
    targets: Array.isArray(r.targets) ? r.targets.map(target) : undefined,
  };
}

/** One row of `byRelease` (control-plane/src/deployments/release-rows.ts). */
export function release(raw: unknown): Release {
  const r = obj(raw);
  const by = r.deployedBy ? obj(r.deployedBy) : null;
  const status = str(r.status);
  return {
    releaseId: str(r.releaseId) ?? '',
    deploymentId: str(r.deploymentId) ?? '',
    status: status === 'live' || status === 'bad' || status === 'staged' ? status : 'previous',
    commit: commit(r.commit),
    branch: str(r.branch),
    deployedBy: by && str(by.email) ? { id: str(by.id) ?? '', email: str(by.email)! } : null,
    createdAt: instant(r.createdAt) ?? 0,
    activatedAt: instant(r.activatedAt),
    hasVariablesSnapshot: r.hasVariablesSnapshot === true,
    servers: Array.isArray(r.servers) ? (r.servers as Release['servers']) : [],
    marked: r.marked === true,
    rollback: rollbackVerdict(r.rollback),
  };
}

function rollbackVerdict(raw: unknown): Release['rollback'] {
  const v = obj(raw);
  if (v.allowed === true) return { allowed: true };
  const reason = str(v.reason);
  return {
    allowed: false,
    reason: reason === 'already_live' || reason === 'bad' || reason === 'never_live' ? reason : 'not_on_all',
    message: str(v.message) ?? 'this release cannot be rolled back to',
  };
}
