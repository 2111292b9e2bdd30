import { AppName } from '@devflow/protocol';
import type { Actor, AuditLog } from '../audit/audit.js';
import { parseInput } from '../api/env.js';
import { newId } from '../crypto/random.js';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { usesSlots, type PipelineSettings, type Strategy } from '../pipeline/settings.js';
import type { PlanEnvironment } from '../pipeline/plan.js';
import { DEFAULT_HEALTHCHECK_PATH, DEFAULT_KEEP_RELEASES, DEFAULT_STAGE_TIMEOUTS_S, type StageName } from '../pipeline/stages.js';
import type { ProjectService } from '../projects/service.js';
import { approvalColumn, toApprovalRule } from '../approvals/rule.js';
import { checkPorts } from './ports.js';
import { previousFailure } from './previous-failure.js';
import { toEnvironment, type EnvironmentRow } from './rows.js';
import { CreateEnvironment, LockInput, SetVariables, UpdateEnvironment, type Environment, type LiveRelease } from './types.js';
import type { VariableStore } from './variables.js';

/** E2's deployments module answers this; until it is wired, nothing is live. */
export type LiveReleaseLookup = (environmentId: string) => Promise<LiveRelease | null>;

/** Environments of a project: branch, servers, strategy, ports, pipeline overrides, variables, deploy lock. */
export class EnvironmentService {
  liveRelease: LiveReleaseLookup = async () => null;

  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
    private readonly variables: VariableStore,
    private readonly audit: AuditLog,
    /** The control plane's own listening port(s): never an environment's. */
    private readonly reservedPorts: readonly number[] = [],
  ) {}

  async create(actor: Actor, projectRef: string, input: CreateEnvironment): Promise<Environment> {
    const data = parseInput(CreateEnvironment, input);
    const project = await this.projects.get(projectRef);
    const app = `${project.name}-${data.name}`;
    if (!AppName.safeParse(app).success) {
      throw new AppError('VALIDATION_FAILED', `name: "${app}" (project-environment) is too long for an app name (at most 81 characters)`, { field: 'name' });
    }
    const id = newId('env');
    const now = Date.now();
    const port = data.port ?? null;
    // Everything that can refuse the request is checked before the first write: a refused create leaves nothing behind.
    await this.requireServers(data.serverIds ?? []);
    const hostname = data.hostname ?? null;
    requireProxiedForHostname(hostname, data.strategy ?? null, port);
    await checkPorts(this.db, { id: null, port, bluePort: data.bluePort ?? null, greenPort: data.greenPort ?? null, strategy: data.strategy ?? null, hostname }, data.serverIds ?? [], this.reservedPorts);
    try {
      await this.db.execute({
        sql: `INSERT INTO environments (id, project_id, name, branch, strategy, port, blue_port, green_port, start_command, healthcheck_path,
                keep_releases, stage_timeouts, pipeline, auto_rollback, auto_deploy, approval, require_previous_success, hostname, created_at, updated_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        args: [
          id, project.id, data.name, data.branch ?? project.defaultBranch, data.strategy ?? null, port, data.bluePort ?? null, data.greenPort ?? null,
          data.startCommand ?? null, data.healthcheckPath ?? DEFAULT_HEALTHCHECK_PATH, data.keepReleases ?? DEFAULT_KEEP_RELEASES,
          JSON.stringify(data.stageTimeouts ?? {}), JSON.stringify(data.pipeline ?? {}), data.autoRollback ? 1 : 0,
          data.autoDeploy ? 1 : 0, data.approval ? approvalColumn(toApprovalRule(data.approval)) : null, data.requirePreviousSuccess === false ? 0 : 1, hostname, now, now,
        ],
      });
    } catch (err) {
      if (/UNIQUE/.test((err as Error).message)) throw new AppError('CONFLICT', `project "${project.name}" already has an environment "${data.name}"`, { field: 'name' });
      throw err;
    }
    if (data.serverIds) await this.assignServers(id, data.serverIds);
    await this.audit.record(actor, 'environment.create', id, { project: project.name, name: data.name });
    return this.get(project.id, id);
  }

  async list(projectRef: string): Promise<Environment[]> {
    const project = await this.projects.get(projectRef);
    const rs = await this.db.execute({ sql: `${SELECT} WHERE e.project_id = ? ORDER BY e.created_at`, args: [project.id] });
    return Promise.all(rs.rows.map((r) => this.hydrate(r as unknown as EnvironmentRow)));
  }

  /** By id or name, within the project. */
  async get(projectRef: string, envRef: string): Promise<Environment> {
    return this.hydrate(await this.row(projectRef, envRef));
  }

  async update(actor: Actor, projectRef: string, envRef: string, input: UpdateEnvironment): Promise<Environment> {
    const patch = parseInput(UpdateEnvironment, input);
    const row = await this.row(projectRef, envRef);
    const pick = <T>(value: T | undefined, current: T): T => (value === undefined ? current : value);
    const servers = patch.serverIds ?? (await this.serverIds(row.id));
    if (patch.serverIds) await this.requireServers(patch.serverIds);
    const hostname = pick(patch.hostname, row.hostname ?? null);
    requireProxiedForHostname(hostname, pick(patch.strategy, row.strategy), pick(patch.port, row.port));
    await checkPorts(
      this.db,
      { id: row.id, port: pick(patch.port, row.port), bluePort: pick(patch.bluePort, row.blue_port), greenPort: pick(patch.greenPort, row.green_port), strategy: pick(patch.strategy, row.strategy), hostname },
      servers,
      this.reservedPorts,
    );
    await this.db.execute({
      sql: `UPDATE environments SET branch = ?, strategy = ?, port = ?, blue_port = ?, green_port = ?, start_command = ?, healthcheck_path = ?,
              keep_releases = ?, stage_timeouts = ?, pipeline = ?, auto_rollback = ?, auto_deploy = ?, approval = ?, require_previous_success = ?, hostname = ?, updated_at = ? WHERE id = ?`,
      args: [
        pick(patch.branch, row.branch), pick(patch.strategy, row.strategy), pick(patch.port, row.port), pick(patch.bluePort, row.blue_port),
        pick(patch.greenPort, row.green_port), pick(patch.startCommand, row.start_command), pick(patch.healthcheckPath, row.healthcheck_path),
        pick(patch.keepReleases, row.keep_releases), patch.stageTimeouts ? JSON.stringify(patch.stageTimeouts) : row.stage_timeouts,
        patch.pipeline ? JSON.stringify(patch.pipeline) : row.pipeline, patch.autoRollback === undefined ? row.auto_rollback : patch.autoRollback ? 1 : 0,
        patch.autoDeploy === undefined ? row.auto_deploy : patch.autoDeploy ? 1 : 0,
        patch.approval === undefined ? row.approval : approvalColumn(toApprovalRule(patch.approval)),
        patch.requirePreviousSuccess === undefined ? row.require_previous_success : patch.requirePreviousSuccess ? 1 : 0,
        hostname,
        Date.now(), row.id,
      ],
    });
    if (patch.serverIds) await this.assignServers(row.id, patch.serverIds);
    await this.audit.record(actor, 'environment.update', row.id, { project: row.project_name, name: row.name, fields: Object.keys(patch) });
    return this.get(row.project_id, row.id);
  }

  async remove(actor: Actor, projectRef: string, envRef: string): Promise<void> {
    const row = await this.row(projectRef, envRef);
    const busy = await this.db.execute({
      sql: "SELECT COUNT(*) AS n FROM deployments WHERE environment_id = ? AND status IN ('pending_approval', 'queued', 'running')",
      args: [row.id],
    });
    if (Number(busy.rows[0]?.n ?? 0) > 0) throw new AppError('CONFLICT', `environment "${row.name}" has deployments queued or running; cancel them first`);
    await this.db.execute({ sql: 'DELETE FROM environments WHERE id = ?', args: [row.id] });
    await this.audit.record(actor, 'environment.delete', row.id, { project: row.project_name, name: row.name });
  }

  async setVariables(actor: Actor, projectRef: string, envRef: string, input: SetVariables): Promise<string[]> {
    const { variables } = parseInput(SetVariables, input);
    const row = await this.row(projectRef, envRef);
    const { set, deleted } = await this.variables.apply(row.id, variables);
    // Keys only: values never reach the audit log.
    await this.audit.record(actor, 'environment.variables', row.id, { project: row.project_name, name: row.name, set, deleted });
    return this.variables.keys(row.id);
  }

  async lock(actor: Actor, projectRef: string, envRef: string, input: { reason: string }): Promise<Environment> {
    const { reason } = parseInput(LockInput, input);
    const row = await this.row(projectRef, envRef);
    await this.db.execute({ sql: 'UPDATE environments SET locked_by = ?, locked_reason = ?, locked_at = ? WHERE id = ?', args: [actor, reason, Date.now(), row.id] });
    await this.audit.record(actor, 'environment.lock', row.id, { project: row.project_name, name: row.name, reason });
    return this.get(row.project_id, row.id);
  }

  async unlock(actor: Actor, projectRef: string, envRef: string): Promise<Environment> {
    const row = await this.row(projectRef, envRef);
    await this.db.execute({ sql: 'UPDATE environments SET locked_by = NULL, locked_reason = NULL, locked_at = NULL WHERE id = ?', args: [row.id] });
    await this.audit.record(actor, 'environment.unlock', row.id, { project: row.project_name, name: row.name, wasLockedBy: row.locked_by, reason: row.locked_reason });
    return this.get(row.project_id, row.id);
  }

  /** The environment as the planner takes it: console settings as one PipelineSettings layer, variables decrypted. */
  async planEnvironment(env: Environment): Promise<PlanEnvironment> {
    const settings: PipelineSettings = {
      ...env.pipeline,
      ...(env.strategy ? { strategy: env.strategy } : {}),
      ...(env.startCommand ? { start: env.startCommand } : {}),
      keepReleases: env.keepReleases,
      // Only timeouts that differ from the defaults, so `pipeline.timeouts` is not overridden by a default.
      timeouts: { ...env.pipeline.timeouts, ...changedTimeouts(env.stageTimeouts) },
      healthcheck: env.pipeline.healthcheck === false ? false : { ...env.pipeline.healthcheck, path: env.healthcheckPath },
    };
    return { name: env.name, app: env.app, port: env.port, slotPorts: env.slotPorts, hostname: env.hostname, settings, variables: await this.variables.values(env.id) };
  }

  private async serverIds(environmentId: string): Promise<string[]> {
    const rs = await this.db.execute({ sql: 'SELECT server_id FROM environment_servers WHERE environment_id = ?', args: [environmentId] });
    return rs.rows.map((r) => String(r.server_id));
  }

  /** Servers by id or name; the first unknown one is a 404 naming it. */
  private async requireServers(serverIds: readonly string[]): Promise<void> {
    for (const id of new Set(serverIds)) {
      const found = await this.db.execute({ sql: 'SELECT 1 FROM servers WHERE id = ? OR name = ?', args: [id, id] });
      if (found.rows.length === 0) throw new AppError('NOT_FOUND', `server "${id}" does not exist`, { field: 'serverIds', id });
    }
  }

  /** Replaces the environment's servers (checked by requireServers first). */
  private async assignServers(environmentId: string, serverIds: string[]): Promise<void> {
    const unique = [...new Set(serverIds)];
    await this.db.batch(
      [
        { sql: 'DELETE FROM environment_servers WHERE environment_id = ?', args: [environmentId] },
        ...unique.map((id, position) => ({
          sql: 'INSERT INTO environment_servers (environment_id, server_id, position) SELECT ?, id, ? FROM servers WHERE id = ? OR name = ? LIMIT 1',
          args: [environmentId, position, id, id],
        })),
      ],
      'write',
    );
  }

  private async row(projectRef: string, envRef: string): Promise<EnvironmentRow> {
    const project = await this.projects.get(projectRef);
    const rs = await this.db.execute({ sql: `${SELECT} WHERE e.project_id = ? AND (e.id = ? OR e.name = ?) LIMIT 1`, args: [project.id, envRef, envRef] });
    const row = rs.rows[0];
    if (!row) throw new AppError('NOT_FOUND', `environment "${envRef}" of project "${project.name}" does not exist`, { id: envRef });
    return row as unknown as EnvironmentRow;
  }

  private async hydrate(row: EnvironmentRow): Promise<Environment> {
    const servers = await this.db.execute({
      sql: 'SELECT s.id, s.name, s.status FROM environment_servers es JOIN servers s ON s.id = es.server_id WHERE es.environment_id = ? ORDER BY es.position',
      args: [row.id],
    });
    return toEnvironment(row, {
      servers: servers.rows.map((s) => ({ id: String(s.id), name: String(s.name), status: String(s.status) })),
      variables: await this.variables.keys(row.id),
      liveRelease: await this.liveRelease(row.id),
      previousFailure: await previousFailure(this.db, row.id),
    });
  }
}

const SELECT = `SELECT e.*, p.name AS project_name, u.email AS locked_by_email
  FROM environments e JOIN projects p ON p.id = e.project_id LEFT JOIN users u ON u.id = e.locked_by`;

function changedTimeouts(timeouts: Record<StageName, number>): Partial<Record<StageName, number>> {
  return Object.fromEntries(Object.entries(timeouts).filter(([stage, s]) => DEFAULT_STAGE_TIMEOUTS_S[stage as StageName] !== s));
}

/** Only the proxy can route by Host: a host name needs a public port and blue-green (or canary). */
function requireProxiedForHostname(hostname: string | null, strategy: string | null, port: number | null): void {
  if (hostname === null) return;
  if (port === null) throw new AppError('VALIDATION_FAILED', 'hostname: routing by host name needs a public port (port)', { field: 'hostname' });
  if (!usesSlots(strategy as Strategy | null)) throw new AppError('VALIDATION_FAILED', 'hostname: routing by host name needs strategy blue-green or canary (the traffic proxy serves the port)', { field: 'hostname' });
}
