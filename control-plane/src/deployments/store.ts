import type { Db } from '../db/client.js';
import { notFound } from '../errors.js';
import { NAMES_SQL, toDeployment, toStepRow, toTarget } from './rows.js';
import type { Deployment, DeploymentDetail, DeploymentKind, DeploymentStatus, FailureInfo, StoredOptions, Trigger } from './types.js';

export interface NewDeployment {
  id: string;
  projectId: string;
  environmentId: string;
  kind: DeploymentKind;
  trigger: Trigger;
  userId: string | null;
  branch: string | null;
  commit: { sha: string; message: string; author: string } | null;
  options: StoredOptions;
  status: Extract<DeploymentStatus, 'pending_approval' | 'queued' | 'skipped' | 'failed'>;
  reason?: string;
  rollbackOf?: string;
  causedBy?: string;
  /** Skipped: the failed deployment or freeze window that stopped it. */
  blockedBy?: string;
  /** Put it before every queued deployment of the project (auto-rollback). */
  front?: boolean;
  /** Who asked when no signed-in user did: "octocat (github)", "schedule production". */
  requestedBy?: string | null;
}

export const RANK_SQL = `(SELECT COUNT(*) FROM deployments q WHERE q.project_id = d.project_id AND q.status = 'queued'
  AND (q.queue_key < d.queue_key OR (q.queue_key = d.queue_key AND q.created_at <= d.created_at)))`;

/** The `deployments` table and its per-server targets and steps: the record of truth of the engine. */
export class DeploymentStore {
  constructor(private readonly db: Db) {}

  async insert(d: NewDeployment): Promise<Deployment> {
    const key = d.front
      ? `COALESCE((SELECT MIN(queue_key) FROM deployments WHERE project_id = ? AND status = 'queued'), 1) - 1`
      : `COALESCE((SELECT MAX(queue_key) FROM deployments WHERE project_id = ? AND status = 'queued'), 0) + 1`;
    const now = Date.now();
    const final = d.status !== 'queued' && d.status !== 'pending_approval';
    // pending_approval takes its place in the queue only once approved (queueApproved).
    const keyed = d.status === 'queued';
    await this.db.execute({
      sql: `INSERT INTO deployments (id, project_id, environment_id, kind, trigger, user_id, branch, commit_sha, commit_message,
              commit_author, options, status, reason, queue_key, rollback_of, caused_by, blocked_by, created_at, finished_at, requested_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${keyed ? key : 'NULL'}, ?, ?, ?, ?, ?, ?)`,
      args: [
        d.id, d.projectId, d.environmentId, d.kind, d.trigger, d.userId, d.branch,
        d.commit?.sha ?? null, d.commit?.message ?? null, d.commit?.author ?? null,
        JSON.stringify(d.options), d.status, d.reason ?? null,
        ...(keyed ? [d.projectId] : []),
        d.rollbackOf ?? null, d.causedBy ?? null, d.blockedBy ?? null, now, final ? now : null, d.requestedBy ?? null,
      ],
    });
    return this.get(d.id);
  }

  async find(id: string): Promise<Deployment | null> {
    const row = (await this.db.execute({ sql: `SELECT d.*, ${RANK_SQL} AS rank, ${NAMES_SQL} FROM deployments d WHERE d.id = ?`, args: [id] })).rows[0];
    return row ? toDeployment(row, Number(row.rank)) : null;
  }

  async get(id: string): Promise<Deployment> {
    const d = await this.find(id);
    if (!d) throw notFound('deployment', id);
    return d;
  }

  async detail(id: string): Promise<DeploymentDetail> {
    const d = await this.get(id);
    const [targets, steps] = await Promise.all([
      this.db.execute({ sql: 'SELECT * FROM deployment_targets WHERE deployment_id = ? ORDER BY position', args: [id] }),
      this.db.execute({ sql: 'SELECT * FROM deployment_steps WHERE deployment_id = ? ORDER BY idx', args: [id] }),
    ]);
    const stepRows = steps.rows.map(toStepRow);
    return { ...d, targets: targets.rows.map(toTarget).map((t) => ({ ...t, steps: stepRows.filter((s) => s.serverId === t.serverId) })) };
  }

  /** Queued (in order) then running deployments; of one project or all. */
  async queue(projectId?: string): Promise<Deployment[]> {
    const rs = await this.db.execute({
      sql: `SELECT d.*, ${RANK_SQL} AS rank, ${NAMES_SQL} FROM deployments d WHERE d.status IN ('queued', 'running') ${projectId ? 'AND d.project_id = ?' : ''}
            ORDER BY d.project_id, d.status = 'queued', d.queue_key, d.created_at`,
      args: projectId ? [projectId] : [],
    });
    return rs.rows.map((r) => toDeployment(r, Number(r.rank)));
  }

  /** A queued deployment of the same commit to the same environment (merged instead of queued twice). */
  /** The oldest deployment of this commit that has not started yet, in one of `statuses`. */
  /** Waiting deployments of this commit, oldest first (the caller picks one with the same targets and options). */
  async waitingForCommit(environmentId: string, sha: string, kind: DeploymentKind, statuses: readonly DeploymentStatus[]): Promise<Deployment[]> {
    const rs = await this.db.execute({
      sql: `SELECT id FROM deployments WHERE environment_id = ? AND commit_sha = ? AND kind = ? AND status IN (${statuses.map(() => '?').join(',')}) ORDER BY created_at`,
      args: [environmentId, sha, kind, ...statuses],
    });
    const found: Deployment[] = [];
    for (const row of rs.rows) {
      const d = await this.find(String(row.id));
      if (d) found.push(d);
    }
    return found;
  }

  async projectsWithQueued(): Promise<string[]> {
    const rs = await this.db.execute("SELECT DISTINCT project_id FROM deployments WHERE status = 'queued'");
    return rs.rows.map((r) => String(r.project_id));
  }

  async running(): Promise<Deployment[]> {
    const rs = await this.db.execute(`SELECT d.*, ${NAMES_SQL} FROM deployments d WHERE d.status = 'running' ORDER BY d.started_at`);
    return rs.rows.map((r) => toDeployment(r));
  }

  /**
   * Atomically move the project's first queued deployment to `running`, unless one is running.
   * One statement, so concurrent instances cannot both claim (the database serialises writers).
   */
  async claimNext(projectId: string, claimedBy: string): Promise<string | null> {
    const now = Date.now();
    const rs = await this.db.execute({
      sql: `UPDATE deployments SET status = 'running', claimed_by = ?, started_at = ?, heartbeat_at = ?
            WHERE id = (SELECT id FROM deployments WHERE project_id = ? AND status = 'queued' ORDER BY queue_key, created_at LIMIT 1)
              AND status = 'queued'
              AND NOT EXISTS (SELECT 1 FROM deployments WHERE project_id = ? AND status = 'running')
            RETURNING id`,
      args: [claimedBy, now, now, projectId, projectId],
    });
    return rs.rows[0] ? String(rs.rows[0].id) : null;
  }

  /** Take over a running deployment (boot recovery); false when another instance holds it. */
  async reclaim(id: string, claimedBy: string, staleBefore: number): Promise<boolean> {
    const rs = await this.db.execute({
      sql: "UPDATE deployments SET claimed_by = ?, heartbeat_at = ? WHERE id = ? AND status = 'running' AND (claimed_by = ? OR heartbeat_at IS NULL OR heartbeat_at < ?)",
      args: [claimedBy, Date.now(), id, claimedBy, staleBefore],
    });
    return rs.rowsAffected > 0;
  }

  /** This instance stops: its running deployments may be taken over at once. */
  async release(claimedBy: string): Promise<void> {
    await this.db.execute({ sql: "UPDATE deployments SET heartbeat_at = NULL WHERE claimed_by = ? AND status = 'running'", args: [claimedBy] });
  }

  async heartbeat(id: string, claimedBy: string): Promise<void> {
    await this.db.execute({ sql: "UPDATE deployments SET heartbeat_at = ? WHERE id = ? AND claimed_by = ? AND status = 'running'", args: [Date.now(), id, claimedBy] });
  }

  /** End a queued or running deployment; false when it had already ended (first writer wins). */
  async finish(id: string, status: DeploymentStatus, reason: string | null, failure?: FailureInfo | null): Promise<boolean> {
    const rs = await this.db.execute({
      sql: `UPDATE deployments SET status = ?, reason = COALESCE(?, reason), failure = COALESCE(?, failure), finished_at = ?, queue_key = NULL
            WHERE id = ? AND status IN ('pending_approval', 'queued', 'running')`,
      args: [status, reason, failure ? JSON.stringify(failure) : null, Date.now(), id],
    });
    return rs.rowsAffected > 0;
  }

  /** An approved `pending_approval` deployment joins the end of its project's queue; false when it was no longer pending. */
  async queueApproved(id: string): Promise<boolean> {
    const rs = await this.db.execute({
      sql: `UPDATE deployments SET status = 'queued',
              queue_key = COALESCE((SELECT MAX(q.queue_key) FROM deployments q WHERE q.project_id = deployments.project_id AND q.status = 'queued'), 0) + 1
            WHERE id = ? AND status = 'pending_approval'`,
      args: [id],
    });
    return rs.rowsAffected > 0;
  }

  async cancelQueued(id: string, reason: string): Promise<boolean> {
    const rs = await this.db.execute({
      sql: "UPDATE deployments SET status = 'cancelled', reason = ?, finished_at = ?, queue_key = NULL WHERE id = ? AND status = 'queued'",
      args: [reason, Date.now(), id],
    });
    return rs.rowsAffected > 0;
  }

  async requestCancel(id: string, reason: string): Promise<boolean> {
    const rs = await this.db.execute({
      sql: "UPDATE deployments SET cancel_requested = 1, reason = ? WHERE id = ? AND status = 'running'",
      args: [reason, id],
    });
    return rs.rowsAffected > 0;
  }

  async cancelRequested(id: string): Promise<boolean> {
    const row = (await this.db.execute({ sql: 'SELECT cancel_requested FROM deployments WHERE id = ?', args: [id] })).rows[0];
    return Number(row?.cancel_requested ?? 0) === 1;
  }

  /** New order for the project's queued deployments: the listed ones first, in that order, then the rest as they were. */
  async reorder(projectId: string, ids: readonly string[]): Promise<void> {
    const queued = (await this.queue(projectId)).filter((d) => d.status === 'queued').map((d) => d.id);
    const order = [...ids.filter((id) => queued.includes(id)), ...queued.filter((id) => !ids.includes(id))];
    await this.db.batch(
      order.map((id, i) => ({ sql: "UPDATE deployments SET queue_key = ? WHERE id = ? AND status = 'queued'", args: [i + 1, id] })),
      'write',
    );
  }

  async setActivated(id: string): Promise<void> {
    await this.db.execute({ sql: 'UPDATE deployments SET activated_at = COALESCE(activated_at, ?) WHERE id = ?', args: [Date.now(), id] });
  }
}
