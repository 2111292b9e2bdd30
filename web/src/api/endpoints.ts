import { api } from './client.js';
import { withQuery } from '../router/router.js';
import type {
  AddedServer,
  ApiToken,
  Commit,
  DeployOptions,
  Deployment,
  Environment,
  Page,
  PipelineOverrides,
  Preset,
  Project,
  Release,
  Role,
  Server,
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

export interface HistoryFilters {
  project?: string;
  environment?: string;
  status?: string;
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
  pipeline?: PipelineOverrides;
}

export interface EnvironmentInput {
  name?: string;
  branch?: string;
  serverIds?: string[];
  strategy?: Strategy;
  keepReleases?: number;
  pipeline?: PipelineOverrides;
  port?: number | null;
  healthcheckPath?: string | null;
  startCommand?: string | null;
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
  create: (name: string) => api.post<{ id: string; token: string }>('/api/tokens', { name }),
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
  list: () => api.get<unknown>('/api/projects').then((d) => list<Project>(d, 'projects')),
  get: (p: string) => api.get<unknown>(proj(p)).then((d) => one<Project>(d, 'project')),
  create: (body: ProjectInput) => api.post<unknown>('/api/projects', body).then((d) => one<Project>(d, 'project')),
  update: (p: string, body: ProjectInput) => api.patch<unknown>(proj(p), body).then((d) => one<Project>(d, 'project')),
  remove: (p: string) => api.del<unknown>(proj(p)),
  branches: (p: string) =>
    api.get<unknown>(`${proj(p)}/branches`).then((d) =>
      list<string | { name: string }>(d, 'branches').map((b) => (typeof b === 'string' ? b : b.name)),
    ),
  commits: (p: string, branch: string, limit = 15) =>
    api.get<unknown>(withQuery(`${proj(p)}/commits`, { branch, limit })).then((d) => list<Commit>(d, 'commits')),
  queue: (p: string) => api.get<unknown>(`${proj(p)}/queue`).then((d) => list<Deployment>(d, 'deployments')),
  reorder: (p: string, deploymentIds: string[]) => api.post<unknown>(`${proj(p)}/queue/reorder`, { deploymentIds }),
};

export const environments = {
  create: (p: string, body: EnvironmentInput) =>
    api.post<unknown>(`${proj(p)}/environments`, body).then((d) => one<Environment>(d, 'environment')),
  get: (p: string, en: string) => api.get<unknown>(env(p, en)).then((d) => one<Environment>(d, 'environment')),
  update: (p: string, en: string, body: EnvironmentInput) =>
    api.patch<unknown>(env(p, en), body).then((d) => one<Environment>(d, 'environment')),
  remove: (p: string, en: string) => api.del<unknown>(env(p, en)),
  setVariables: (p: string, en: string, variables: Record<string, string | null>) =>
    api.put<unknown>(`${env(p, en)}/variables`, { variables }),
  lock: (p: string, en: string, reason: string) => api.post<unknown>(`${env(p, en)}/lock`, { reason }),
  unlock: (p: string, en: string) => api.del<unknown>(`${env(p, en)}/lock`),
  releases: (p: string, en: string) => api.get<unknown>(`${env(p, en)}/releases`).then((d) => list<Release>(d, 'releases')),
  deploy: (p: string, en: string, body: DeployRequest) =>
    api.post<unknown>(`${env(p, en)}/deployments`, body).then((d) => one<Deployment>(d, 'deployment')),
  rollback: (p: string, en: string, body: RollbackRequest) =>
    api.post<unknown>(`${env(p, en)}/rollback`, body).then((d) => one<Deployment>(d, 'deployment')),
};

export const deployments = {
  history: (filters: HistoryFilters) => api.get<Page<Deployment>>(withQuery('/api/deployments', { ...filters })),
  get: (id: string) => api.get<unknown>(`/api/deployments/${e(id)}`).then((d) => one<Deployment>(d, 'deployment')),
  cancel: (id: string) => api.post<unknown>(`/api/deployments/${e(id)}/cancel`),
  logUrl: (id: string) => `/api/deployments/${e(id)}/logs`,
  streamUrl: (id: string, after: string | number | null) =>
    withQuery(`/api/deployments/${e(id)}/logs/stream`, { after: after === null ? null : String(after) }),
};

export const queue = {
  all: () => api.get<unknown>('/api/queue').then((d) => list<Deployment>(d, 'deployments')),
};

export const users = {
  list: () => api.get<unknown>('/api/users').then((d) => list<User>(d, 'users')),
  create: (email: string, password: string, role: Role) =>
    api.post<unknown>('/api/users', { email, password, role }).then((d) => one<User>(d, 'user')),
};
