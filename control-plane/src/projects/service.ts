import type { Actor, AuditLog } from '../audit/audit.js';
import { newId } from '../crypto/random.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/client.js';
import { AppError, notFound } from '../errors.js';
import type { GitCredentials, Repositories, RepositorySource } from '../repositories/index.js';
import { redactUrlPasswords } from '../repositories/git.js';
import type { RepositoryUrlPolicy } from '../repositories/url-policy.js';
import { CreateProject, UpdateProject, type Project } from './types.js';
import { parseInput } from '../api/env.js';

const credentialsContext = (projectId: string) => `project:${projectId}:credentials`;
export const urlContext = (projectId: string) => `project:${projectId}:url`;

/**
 * A repository URL with a password is stored as its redacted form (shown by the API) plus the
 * whole URL sealed; one without is stored as is.
 */
export function storedUrl(box: SecretBox, projectId: string, url: string): { url: string; sealed: string | null } {
  const shown = redactUrlPasswords(url);
  return shown === url ? { url, sealed: null } : { url: shown, sealed: box.seal(url, urlContext(projectId)) };
}

interface ProjectRow extends Project {
  rawUrl: string;
  credentialsEnc: string | null;
}

function toRow(r: Record<string, unknown>, box: SecretBox): ProjectRow {
  const credentialsEnc = r.credentials_enc === null ? null : String(r.credentials_enc);
  const creds = credentialsEnc ? (JSON.parse(box.open(credentialsEnc, credentialsContext(String(r.id)))) as GitCredentials) : {};
  return {
    id: String(r.id),
    name: String(r.name),
    repositoryUrl: redactUrlPasswords(String(r.repository_url)),
    rawUrl: r.repository_url_enc === null || r.repository_url_enc === undefined ? String(r.repository_url) : box.open(String(r.repository_url_enc), urlContext(String(r.id))),
    preset: String(r.preset) as Project['preset'],
    defaultBranch: String(r.default_branch),
    credentials: { sshPrivateKey: Boolean(creds.sshPrivateKey), httpsToken: Boolean(creds.httpsToken) },
    credentialsEnc,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

const publicView = ({ rawUrl: _u, credentialsEnc: _c, ...project }: ProjectRow): Project => project;

/** Projects: a repository, a preset and a default branch; credentials sealed at rest. */
export class ProjectService {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly audit: AuditLog,
    private readonly repositories: Repositories,
    private readonly urls: Pick<RepositoryUrlPolicy, 'assert'>,
  ) {}

  async create(actor: Actor, input: CreateProject): Promise<Project> {
    const data = parseInput(CreateProject, input);
    await this.urls.assert(data.repositoryUrl);
    const id = newId('prj');
    const now = Date.now();
    const url = storedUrl(this.box, id, data.repositoryUrl);
    try {
      await this.db.execute({
        sql: 'INSERT INTO projects (id, name, repository_url, repository_url_enc, preset, default_branch, credentials_enc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        args: [id, data.name, url.url, url.sealed, data.preset, data.defaultBranch, this.seal(id, data.credentials), now, now],
      });
    } catch (err) {
      if (/UNIQUE/.test((err as Error).message)) throw new AppError('CONFLICT', `a project named "${data.name}" already exists`, { field: 'name' });
      throw err;
    }
    await this.audit.record(actor, 'project.create', id, { name: data.name, repositoryUrl: redactUrlPasswords(data.repositoryUrl), preset: data.preset });
    return this.get(id);
  }

  async list(): Promise<Project[]> {
    const rs = await this.db.execute('SELECT * FROM projects ORDER BY name');
    return rs.rows.map((r) => publicView(toRow(r, this.box)));
  }

  /** By id or by name. */
  async find(idOrName: string): Promise<Project | null> {
    const row = await this.findRow(idOrName);
    return row ? publicView(row) : null;
  }

  async get(idOrName: string): Promise<Project> {
    const project = await this.find(idOrName);
    if (!project) throw notFound('project', idOrName);
    return project;
  }

  async update(actor: Actor, idOrName: string, input: UpdateProject): Promise<Project> {
    const patch = parseInput(UpdateProject, input);
    if (patch.repositoryUrl !== undefined) await this.urls.assert(patch.repositoryUrl);
    const current = await this.getRow(idOrName);
    const credentialsEnc = patch.credentials === undefined ? current.credentialsEnc : this.seal(current.id, patch.credentials ?? undefined);
    const url = storedUrl(this.box, current.id, patch.repositoryUrl ?? current.rawUrl);
    await this.db.execute({
      sql: 'UPDATE projects SET repository_url = ?, repository_url_enc = ?, preset = ?, default_branch = ?, credentials_enc = ?, updated_at = ? WHERE id = ?',
      args: [url.url, url.sealed, patch.preset ?? current.preset, patch.defaultBranch ?? current.defaultBranch, credentialsEnc, Date.now(), current.id],
    });
    const changed = Object.keys(patch).filter((k) => k !== 'credentials');
    await this.audit.record(actor, 'project.update', current.id, {
      fields: changed,
      ...(patch.repositoryUrl ? { repositoryUrl: redactUrlPasswords(patch.repositoryUrl) } : {}),
      ...(patch.credentials !== undefined ? { credentials: patch.credentials === null ? 'removed' : 'replaced' } : {}),
    });
    return this.get(current.id);
  }

  /** Refused while a deployment of the project is queued or running (it would lose its record's owner). */
  async remove(actor: Actor, idOrName: string): Promise<void> {
    const project = await this.getRow(idOrName);
    const busy = await this.db.execute({
      sql: "SELECT COUNT(*) AS n FROM deployments WHERE project_id = ? AND status IN ('pending_approval', 'queued', 'running')",
      args: [project.id],
    });
    if (Number(busy.rows[0]?.n ?? 0) > 0) {
      throw new AppError('CONFLICT', `project "${project.name}" has deployments queued or running; cancel them first`, { project: project.name });
    }
    await this.db.execute({ sql: 'DELETE FROM projects WHERE id = ?', args: [project.id] });
    await this.repositories.remove(project.id);
    await this.audit.record(actor, 'project.delete', project.id, { name: project.name });
  }

  /** What the repository mirror and the planner need, credentials decrypted. */
  async source(idOrName: string): Promise<RepositorySource> {
    const row = await this.getRow(idOrName);
    const credentials = row.credentialsEnc ? (JSON.parse(this.box.open(row.credentialsEnc, credentialsContext(row.id))) as GitCredentials) : undefined;
    return { projectId: row.id, url: row.rawUrl, ...(credentials ? { credentials } : {}) };
  }

  private seal(projectId: string, credentials: GitCredentials | undefined): string | null {
    if (!credentials || (!credentials.sshPrivateKey && !credentials.httpsToken)) return null;
    return this.box.seal(JSON.stringify(credentials), credentialsContext(projectId));
  }

  private async findRow(idOrName: string): Promise<ProjectRow | null> {
    const rs = await this.db.execute({ sql: 'SELECT * FROM projects WHERE id = ? OR name = ? LIMIT 1', args: [idOrName, idOrName] });
    const row = rs.rows[0];
    return row ? toRow(row, this.box) : null;
  }

  private async getRow(idOrName: string): Promise<ProjectRow> {
    const row = await this.findRow(idOrName);
    if (!row) throw notFound('project', idOrName);
    return row;
  }
}
