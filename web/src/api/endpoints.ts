import { api } from './client.js';
import { withQuery } from '../router/router.js';
import * as norm from './normalize.js';
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

async function withEnvironments(raw: unknown): Promise<Project> {
  const r = raw as { name?: string; environments?: unknown };
  if (Array.isArray(r.environments)) return norm.project(raw);
  return norm.project(raw, await environments.list(r.name ?? ''));
}

function page(data: unknown): Page<Deployment> {
  const r = (data ?? {}) as Partial<Page<unknown>> & { deployments?: unknown[] };
  const items = (r.items ?? r.deployments ?? []).map(norm.deployment);
  return { items, total: r.total ?? items.length, page: r.page ?? 1, limit: r.limit ?? items.length };
}

/**
 * Deployments name their project, environment and user by id; the pages show names. Names
 * come from the projects and users endpoints, cached briefly and refreshed on an unknown id.
 */
interface NameIndex {
  at: number;
  projects: Map<string, string>;
  environments: Map<string, string>;
  users: Map<string, string>;
}
let nameIndex: Promise<NameIndex> | null = null;

async function loadNames(): Promise<NameIndex> {
  const [all, people] = await Promise.all([projects.list(), users.list().catch(() => [])]);
  const index: NameIndex = { at: Date.now(), projects: new Map(), environments: new Map(), users: new Map() };
  for (const p of all) {
    index.projects.set(p.id, p.name);
    for (const en of p.environments) index.environments.set(en.id, en.name);
  }
  for (const u of people) index.users.set(u.id, u.email);
  return index;
}

async function named(items: Deployment[]): Promise<Deployment[]> {
  const missing = (i: NameIndex, d: Deployment) =>
    (d.projectName === d.projectId && !i.projects.has(d.projectId)) || (d.environmentName === d.environmentId && !i.environments.has(d.environmentId));
  const needs = items.some((d) => d.projectName === d.projectId || d.environmentName === d.environmentId || (d.userId && !d.triggeredBy));
  if (!needs) return items;
  let index = nameIndex ? await nameIndex.catch(() => null) : null;
  if (!index || Date.now() - index.at > 60_000 || items.some((d) => missing(index!, d))) {
    nameIndex = loadNames();
    index = await nameIndex.catch(() => null);
  }
  if (!index) return items;
  const i = index;
  return items.map((d) => ({
    ...d,
    projectName: d.projectName === d.projectId ? (i.projects.get(d.projectId) ?? d.projectName) : d.projectName,
    environmentName: d.environmentName === d.environmentId ? (i.environments.get(d.environmentId) ?? d.environmentName) : d.environmentName,
    triggeredBy: d.triggeredBy ?? (d.userId && i.users.has(d.userId) ? { id: d.userId, email: i.users.get(d.userId)! } : null),
  }));
}

async function namedPage(p: Page<Deployment>): Promise<Page<Deployment>> {
  return { ...p, items: await named(p.items) };
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
  strategy?: Strategy;
  keepReleases?: number;
  pipeline?: PipelineOverrides;
  port?: number | null;
  healthcheckPath?: string;
  startCommand?: string | null;
  autoRollback?: boolean;
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
  /** Projects with their environments (one request per project for the environments). */
  list: async (): Promise<Project[]> => {
    const raw = list<unknown>(await api.get<unknown>('/api/projects'), 'projects');
    return Promise.all(raw.map(async (r) => withEnvironments(r)));
  },
  get: async (p: string): Promise<Project> => withEnvironments(one<unknown>(await api.get<unknown>(proj(p)), 'project')),
  create: (body: ProjectInput) => api.post<unknown>('/api/projects', body).then((d) => norm.project(one(d, 'project'))),
  update: (p: string, body: ProjectInput) => api.patch<unknown>(proj(p), body).then((d) => norm.project(one(d, 'project'))),
  remove: (p: string) => api.del<unknown>(proj(p)),
  branches: (p: string) =>
    api.get<unknown>(`${proj(p)}/branches`).then((d) =>
      list<string | { name: string }>(d, 'branches').map((b) => (typeof b === 'string' ? b : b.name)),
    ),
  commits: (p: string, branch: string, limit = 15) =>
    api
      .get<unknown>(withQuery(`${proj(p)}/commits`, { branch, limit }))
      .then((d) => list<unknown>(d, 'commits').map(norm.commit).filter((c): c is Commit => c !== null)),
  queue: (p: string) => api.get<unknown>(`${proj(p)}/queue`).then((d) => named(list<unknown>(d, 'queue').map(norm.deployment))),
  history: (p: string, filters: HistoryFilters) => api.get<unknown>(withQuery(`${proj(p)}/deployments`, { ...filters })).then(page).then(namedPage),
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
  /** Releases on disk, one entry per deployment (the API lists one per server), with commit messages from history. */
  releases: async (p: string, en: string): Promise<Release[]> => {
    const [raw, history] = await Promise.all([
      api.get<unknown>(`${env(p, en)}/releases`).then((d) => list<unknown>(d, 'releases').map(norm.release)),
      deployments.history({ project: p, environment: en, limit: 100 }).catch(() => null),
    ]);
    const byDeployment = new Map<string, Release>();
    for (const r of raw) {
      const seen = byDeployment.get(r.deploymentId);
      if (seen) {
        seen.serverIds = [...(seen.serverIds ?? []), ...(r.serverIds ?? [])];
        seen.live = seen.live || r.live;
        if (seen.status !== r.status) seen.status = r.live ? 'live' : seen.status;
      } else byDeployment.set(r.deploymentId, { ...r });
    }
    const commits = new Map((history?.items ?? []).map((d) => [d.id, d] as const));
    return [...byDeployment.values()]
      .filter((r) => r.status !== 'pruned')
      .map((r) => {
        const d = commits.get(r.deploymentId);
        return d?.commit ? { ...r, commit: d.commit, branch: d.branch } : r;
      })
      .sort((a, b) => Number(b.createdAt ?? 0) - Number(a.createdAt ?? 0));
  },
  deploy: (p: string, en: string, body: DeployRequest) =>
    api.post<unknown>(`${env(p, en)}/deployments`, body).then((d) => norm.deployment(one(d, 'deployment'))),
  rollback: (p: string, en: string, body: RollbackRequest) =>
    api.post<unknown>(`${env(p, en)}/rollback`, body).then((d) => norm.deployment(one(d, 'deployment'))),
};

export const deployments = {
  history: (filters: HistoryFilters) => api.get<unknown>(withQuery('/api/deployments', { ...filters })).then(page).then(namedPage),
  get: (id: string) =>
    api
      .get<unknown>(`/api/deployments/${e(id)}`)
      .then((d) => named([norm.deployment(one(d, 'deployment'))]))
      .then((list) => list[0]!),
  cancel: (id: string) => api.post<unknown>(`/api/deployments/${e(id)}/cancel`),
  logUrl: (id: string) => `/api/deployments/${e(id)}/logs`,
  streamUrl: (id: string, after: string | number | null) =>
    withQuery(`/api/deployments/${e(id)}/logs/stream`, { after: after === null ? null : String(after) }),
};

export const queue = {
  all: () => api.get<unknown>('/api/queue').then((d) => named(list<unknown>(d, 'queue').map(norm.deployment))),
};

export const users = {
  list: () => api.get<unknown>('/api/users').then((d) => list<User>(d, 'users')),
  create: (email: string, password: string, role: Role) =>
    api.post<unknown>('/api/users', { email, password, role }).then((d) => one<User>(d, 'user')),
};
