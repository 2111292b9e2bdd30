import type { Commit, Deployment, DeploymentTarget, Environment, FailureInfo, LiveRelease, Project, Release, Server, StepSummary } from './types.js';

/**
 * The control plane's answers turned into the shapes the pages use. The engine is young and
 * some fields have two spellings (`position`/`queuePosition`, `servers`/`serverIds`); each is
 * resolved here, once, instead of in every page.
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
  const by = r.by ?? r.byEmail ?? r.deployedBy;
  return {
    deploymentId: str(r.deploymentId) ?? '',
    releaseId: str(r.releaseId),
    commit: typeof r.commit === 'string' ? r.commit : commit(r.commit),
    at: instant(r.activatedAt ?? r.at),
    by: typeof by === 'string' ? by : str(obj(by).email),
  };
}

export function environment(raw: unknown): Environment {
  const r = obj(raw);
  const servers = Array.isArray(r.servers) ? (r.servers as Environment['servers']) : [];
  const lock = r.lock ? obj(r.lock) : null;
  return {
    id: str(r.id) ?? '',
    projectId: str(r.projectId) ?? '',
    name: str(r.name) ?? '',
    branch: str(r.branch) ?? 'main',
    serverIds: Array.isArray(r.serverIds) ? (r.serverIds as string[]) : servers.map((s) => s.id),
    servers,
    strategy: r.strategy === 'blue-green' ? 'blue-green' : 'in-place',
    keepReleases: num(r.keepReleases) ?? 10,
    variables: Array.isArray(r.variables) ? r.variables.map((v) => (typeof v === 'string' ? v : (str(obj(v).key) ?? ''))) : [],
    pipeline: obj(r.pipeline),
    port: num(r.port),
    healthcheckPath: str(r.healthcheckPath),
    startCommand: str(r.startCommand),
    autoRollback: r.autoRollback === true,
    lock: lock
      ? { by: str(lock.byEmail) ?? str(lock.by) ?? str(obj(lock.lockedBy).email) ?? str(lock.lockedBy), reason: str(lock.reason), since: instant(lock.since) ?? 0 }
      : null,
    liveRelease: liveRelease(r.liveRelease),
  };
}

export function project(raw: unknown, environments?: Environment[]): Project {
  const r = obj(raw);
  const creds = obj(r.credentials);
  return {
    id: str(r.id) ?? '',
    name: str(r.name) ?? '',
    repositoryUrl: str(r.repositoryUrl) ?? '',
    preset: (str(r.preset) ?? 'custom') as Project['preset'],
    defaultBranch: str(r.defaultBranch) ?? 'main',
    credentials: { sshPrivateKey: creds.sshPrivateKey === true, httpsToken: creds.httpsToken === true },
    environments: environments ?? (Array.isArray(r.environments) ? r.environments.map(environment) : []),
  };
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

function nameOf(value: unknown, fallback: unknown): string {
  if (typeof value === 'string') return value;
  return str(obj(value).name) ?? str(fallback) ?? '';
}

export function deployment(raw: unknown): Deployment {
  const r = obj(raw);
  const user = r.triggeredBy ?? r.user;
  const userObj = obj(user);
  const email = str(userObj.email) ?? str(r.userEmail);
  return {
    id: str(r.id) ?? '',
    projectId: str(r.projectId) ?? '',
    projectName: nameOf(r.projectName ?? r.project, r.projectId),
    environmentId: str(r.environmentId) ?? '',
    environmentName: nameOf(r.environmentName ?? r.environment, r.environmentId),
    kind: r.kind === 'rollback' ? 'rollback' : 'deploy',
    trigger: str(r.trigger) ?? 'manual',
    triggeredBy: email ? { id: str(userObj.id) ?? str(r.userId) ?? '', email } : null,
    userId: str(r.userId) ?? str(userObj.id),
    branch: str(r.branch),
    commit: commit(r.commit),
    options: obj(r.options),
    status: (str(r.status) ?? 'queued') as Deployment['status'],
    queuePosition: num(r.queuePosition) ?? num(r.position),
    reason: str(r.reason),
    failure: r.failure ? (r.failure as FailureInfo) : null,
    rollbackOf: str(r.rollbackOf),
    createdAt: instant(r.createdAt) ?? 0,
    startedAt: instant(r.startedAt),
    finishedAt: instant(r.finishedAt),
    durationMs: num(r.durationMs),
    targets: Array.isArray(r.targets) ? r.targets.map(target) : undefined,
  };
}

export function release(raw: unknown): Release {
  const r = obj(raw);
  return {
    deploymentId: str(r.deploymentId) ?? str(r.id) ?? '',
    releaseId: str(r.releaseId) ?? undefined,
    commit: commit(r.commit ?? r.commitSha),
    branch: str(r.branch),
    status: str(r.status) ?? undefined,
    createdAt: instant(r.createdAt ?? r.at ?? r.activatedAt) ?? undefined,
    live: r.live === true || r.current === true || r.status === 'live',
    hasVariablesSnapshot: typeof r.hasVariablesSnapshot === 'boolean' ? r.hasVariablesSnapshot : typeof r.variablesSnapshot === 'boolean' ? r.variablesSnapshot : undefined,
    serverIds: Array.isArray(r.serverIds) ? (r.serverIds as string[]) : str(r.serverId) ? [str(r.serverId)!] : undefined,
  };
}
