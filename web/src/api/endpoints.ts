import { api } from './client.js';
import { withQuery } from '../router/router.js';
import * as norm from './normalize.js';
import type { WebhookSecret } from './feature-types.js';
import type {
  AddedServer,
  ApiToken,
  Commit,
  DeployOptions,
  Deployment,
  Page,
  PipelineOverrides,
  Preset,
  Project,
  Role,
  Server,
  Stage,
  Strategy,
  User,
} from './types.js';

/** Typed calls for every endpoint of the README's API table that the console uses. */
const e = encodeURIComponent;
const proj = (p: string) => `/api/projects/${e(p)}`;
const env = (p: string, en: string) => `${proj(p)}/environments/${e(en)}`;

/** Lists come back either bare or wrapped (`{items}`, `{servers}`…); the console accepts both. */
function list<T>(data: unknown, key: string): T[] {
  if (Array.isArray(data)) return data as T[];
  const record = data as Record<string, unknown> | null;
  const inner = record?.[key] ?? record?.items;
  return Array.isArray(inner) ? (inner as T[]) : [];
}

function one<T>(data: unknown, key: string): T {
  const record = data as Record<string, unknown> | null;
  return (record && key in record && typeof record[key] === 'object' ? record[key] : data) as T;
}

function page(data: unknown): Page<Deployment> {
  const r = (data ?? {}) as Partial<Page<unknown>>;
  const items = (r.items ?? []).map(norm.deployment);
  return { items, total: r.total ?? items.length, page: r.page ?? 1, limit: r.limit ?? items.length };
}

export interface HistoryFilters {
  project?: string;
  environment?: string;
  status?: string;
  kind?: string;
  user?: string;
  from?: string;
  to?: string;
  q?: string;
  page?: number;
  limit?: number;
}

export interface ProjectInput {
  name?: string;
  repositoryUrl?: string;
  preset?: Preset;
  defaultBranch?: string;
  /** `null` removes stored credentials. */
  credentials?: { sshPrivateKey?: string; httpsToken?: string } | null;
}

export interface EnvironmentInput {
  name?: string;
  branch?: string;
  serverIds?: string[];
  strategy?: Strategy | null;
  keepReleases?: number;
  pipeline?: PipelineOverrides;
  port?: number | null;
  healthcheckPath?: string;
  startCommand?: string | null;
  autoRollback?: boolean;
  bluePort?: number | null;
  greenPort?: number | null;
  stageTimeouts?: Partial<Record<Stage, number>>;
  autoDeploy?: boolean;
  requirePreviousSuccess?: boolean;
  hostname?: string | null;
  approval?: { required: boolean; approvers?: number; expiresAfterSeconds?: number; rollbacks?: boolean };
}

export interface DeployRequest extends DeployOptions {
  branch?: string;
  commit?: string;
}

export interface RollbackRequest {
  toDeploymentId?: string;
  restoreVariables?: boolean;
  runDownMigration?: boolean;
}

export const auth = {
  login: (email: string, password: string) => api.post<unknown>('/api/auth/login', { email, password }).then((d) => one<User>(d, 'user')),
  logout: () => api.post<unknown>('/api/auth/logout'),
  me: () => api.get<unknown>('/api/auth/me').then((d) => one<User>(d, 'user')),
};

export const tokens = {
  list: () => api.get<unknown>('/api/tokens').then((d) => list<ApiToken>(d, 'tokens')),
  create: (name: string, expiresInDays?: number) => api.post<{ id: string; token: string }>('/api/tokens', { name, ...(expiresInDays ? { expiresInDays } : {}) }),
  remove: (id: string) => api.del<unknown>(`/api/tokens/${e(id)}`),
};

export const servers = {
  list: () => api.get<unknown>('/api/servers').then((d) => list<Server>(d, 'servers')),
  add: (name: string, labels: Record<string, string>) => api.post<AddedServer>('/api/servers', { name, labels }),
  update: (id: string, body: { name?: string; labels?: Record<string, string> }) => api.patch<unknown>(`/api/servers/${e(id)}`, body),
  remove: (id: string) => api.del<unknown>(`/api/servers/${e(id)}`),
  newToken: (id: string) => api.post<AddedServer>(`/api/servers/${e(id)}/token`),
};

export const projects = {
  /** Projects, each with its environments in summary (one request). */
  list: () => api.get<{ projects: unknown[] }>('/api/projects').then((d) => d.projects.map(norm.projectSummary)),
  /** One project with its environments in full. */
  get: async (p: string): Promise<Project> => {
    const [raw, envs] = await Promise.all([api.get<{ project: unknown }>(proj(p)), environments.list(p)]);
    return norm.project(raw.project, envs);
  },
  create: (body: ProjectInput) => api.post<{ project: unknown; webhook?: WebhookSecret }>('/api/projects', body),
  update: (p: string, body: ProjectInput) => api.patch<unknown>(proj(p), body),
  remove: (p: string) => api.del<unknown>(proj(p)),
  branches: (p: string) =>
    api.get<unknown>(`${proj(p)}/branches`).then((d) =>
      list<string | { name: string }>(d, 'branches').map((b) => (typeof b === 'string' ? b : b.name)),
    ),
  commits: (p: string, branch: string, limit = 15) =>
    api
      .get<unknown>(withQuery(`${proj(p)}/commits`, { branch, limit }))
      .then((d) => list<unknown>(d, 'commits').map(norm.commit).filter((c): c is Commit => c !== null)),
  queue: (p: string) => api.get<{ queue: unknown[] }>(`${proj(p)}/queue`).then((d) => d.queue.map(norm.deployment)),
  history: (p: string, filters: HistoryFilters) => api.get<unknown>(withQuery(`${proj(p)}/deployments`, { ...filters })).then(page),
  reorder: (p: string, deploymentIds: string[]) => api.post<unknown>(`${proj(p)}/queue/reorder`, { deploymentIds }),
};

export const environments = {
  list: (p: string) => api.get<unknown>(`${proj(p)}/environments`).then((d) => list<unknown>(d, 'environments').map(norm.environment)),
  create: (p: string, body: EnvironmentInput) =>
    api.post<unknown>(`${proj(p)}/environments`, body).then((d) => norm.environment(one(d, 'environment'))),
  get: (p: string, en: string) => api.get<unknown>(env(p, en)).then((d) => norm.environment(one(d, 'environment'))),
  update: (p: string, en: string, body: EnvironmentInput) =>
    api.patch<unknown>(env(p, en), body).then((d) => norm.environment(one(d, 'environment'))),
  remove: (p: string, en: string) => api.del<unknown>(env(p, en)),
  setVariables: (p: string, en: string, variables: Record<string, string | null>) =>
    api.put<unknown>(`${env(p, en)}/variables`, { variables }),
  lock: (p: string, en: string, reason: string) => api.post<unknown>(`${env(p, en)}/lock`, { reason }),
  unlock: (p: string, en: string) => api.del<unknown>(`${env(p, en)}/lock`),
  /** Releases on disk, one row per release, newest first. */
  releases: (p: string, en: string) => api.get<{ byRelease: unknown[] }>(`${env(p, en)}/releases`).then((d) => d.byRelease.map(norm.release)),
  deploy: (p: string, en: string, body: DeployRequest) =>
    api.post<unknown>(`${env(p, en)}/deployments`, body).then((d) => norm.deployment(one(d, 'deployment'))),
  rollback: (p: string, en: string, body: RollbackRequest) =>
    api.post<unknown>(`${env(p, en)}/rollback`, body).then((d) => norm.deployment(one(d, 'deployment'))),
};

export const deployments = {
  history: (filters: HistoryFilters) => api.get<unknown>(withQuery('/api/deployments', { ...filters })).then(page),
  get: (id: string) => api.get<{ deployment: unknown }>(`/api/deployments/${e(id)}`).then((d) => norm.deployment(d.deployment)),
  cancel: (id: string) => api.post<unknown>(`/api/deployments/${e(id)}/cancel`),
  logUrl: (id: string) => `/api/deployments/${e(id)}/logs`,
  streamUrl: (id: string, after: string | number | null) =>
    withQuery(`/api/deployments/${e(id)}/logs/stream`, { after: after === null ? null : String(after) }),
};

export const queue = {
  all: () => api.get<{ queue: unknown[] }>('/api/queue').then((d) => d.queue.map(norm.deployment)),
};

export const users = {
  list: () => api.get<unknown>('/api/users').then((d) => list<User>(d, 'users')),
  create: (email: string, password: string, role: Role) =>
    api.post<unknown>('/api/users', { email, password, role }).then((d) => one<User>(d, 'user')),
  update: (id: string, patch: { role?: Role; disabled?: boolean }) => api.patch<unknown>(`/api/users/${e(id)}`, patch).then((d) => one<User>(d, 'user')),
  remove: (id: string) => api.del<unknown>(`/api/users/${e(id)}`),
  resetPassword: (id: string, password: string) => api.post<unknown>(`/api/users/${e(id)}/password`, { password }),
  tokens: (id: string) => api.get<unknown>(`/api/users/${e(id)}/tokens`).then((d) => list<ApiToken>(d, 'tokens')),
  revokeToken: (id: string, tokenId: string) => api.del<unknown>(`/api/users/${e(id)}/tokens/${e(tokenId)}`),
};
