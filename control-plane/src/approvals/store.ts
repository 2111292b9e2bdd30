import type { Db } from '../db/client.js';
import { toDeployment } from '../deployments/rows.js';
import type { Deployment } from '../deployments/types.js';
import { DEFAULT_APPROVAL_EXPIRY_S, type ApprovalRule } from './rule.js';

export interface ApprovalDecision {
  userId: string;
  email: string;
  decision: 'approved' | 'rejected';
  reason: string | null;
  at: number;
}

/** A deployment waiting for (or past) approval, as the console and the CLI show it. */
export interface ApprovalRequest {
  deployment: Deployment;
  project: string;
  environment: string;
  /** Approvals needed (the rule when it was requested). */
  required: number;
  approvals: ApprovalDecision[];
  rejection: ApprovalDecision | null;
  expiresAt: number;
}

/** A pending deployment whose rule row is missing (the process died between the two writes) gets the defaults. */
const EXPIRES = `COALESCE(a.expires_at, d.created_at + ${DEFAULT_APPROVAL_EXPIRY_S * 1000})`;

/** Tables `deployment_approvals` (the rule per pending deployment) and `approval_decisions`. */
export class ApprovalStore {
  constructor(private readonly db: Db) {}

  async open(deploymentId: string, rule: ApprovalRule, now = Date.now()): Promise<number> {
    const expiresAt = now + rule.expiresAfterSeconds * 1000;
    await this.db.execute({
      sql: 'INSERT OR IGNORE INTO deployment_approvals (deployment_id, required, expires_at, created_at) VALUES (?, ?, ?, ?)',
      args: [deploymentId, rule.approvers, expiresAt, now],
    });
    return expiresAt;
  }

  async rule(deploymentId: string): Promise<{ required: number; expiresAt: number } | null> {
    const row = (await this.db.execute({ sql: 'SELECT required, expires_at FROM deployment_approvals WHERE deployment_id = ?', args: [deploymentId] })).rows[0];
    return row ? { required: Number(row.required), expiresAt: Number(row.expires_at) } : null;
  }

  /** False when this user already decided on this deployment. */
  async decide(deploymentId: string, user: { id: string; email: string }, decision: ApprovalDecision['decision'], reason: string | null): Promise<boolean> {
    // A rejection replaces the same user's earlier approval (they changed their mind); approvals never overwrite.
    const rs = await this.db.execute({
      sql: `INSERT OR ${decision === 'rejected' ? 'REPLACE' : 'IGNORE'} INTO approval_decisions (deployment_id, user_id, user_email, decision, reason, at) VALUES (?, ?, ?, ?, ?, ?)`,
      args: [deploymentId, user.id, user.email, decision, reason, Date.now()],
    });
    return rs.rowsAffected > 0;
  }

  async decisions(deploymentId: string): Promise<ApprovalDecision[]> {
    const rs = await this.db.execute({ sql: 'SELECT * FROM approval_decisions WHERE deployment_id = ? ORDER BY at', args: [deploymentId] });
    return rs.rows.map((r) => ({
      userId: String(r.user_id),
      email: String(r.user_email),
      decision: String(r.decision) as ApprovalDecision['decision'],
      reason: r.reason === null ? null : String(r.reason),
      at: Number(r.at),
    }));
  }

  /** Deployments in `pending_approval` (oldest first), or one deployment whatever its status. */
  async requests(deploymentId?: string): Promise<ApprovalRequest[]> {
    const rs = await this.db.execute({
      sql: `SELECT d.*, COALESCE(a.required, 1) AS approval_required, ${EXPIRES} AS approval_expires_at, p.name AS project_name, e.name AS environment_name,
              (SELECT email FROM users WHERE id = d.user_id) AS user_email
            FROM deployments d
            LEFT JOIN deployment_approvals a ON a.deployment_id = d.id
            LEFT JOIN projects p ON p.id = d.project_id
            LEFT JOIN environments e ON e.id = d.environment_id
            WHERE ${deploymentId ? "d.id = ? AND (a.deployment_id IS NOT NULL OR d.status = 'pending_approval')" : "d.status = 'pending_approval'"} ORDER BY d.created_at`,
      args: deploymentId ? [deploymentId] : [],
    });
    return Promise.all(
      rs.rows.map(async (r) => {
        const decisions = await this.decisions(String(r.id));
        return {
          deployment: toDeployment(r),
          project: String(r.project_name ?? r.project_id),
          environment: String(r.environment_name ?? r.environment_id),
          required: Number(r.approval_required),
          approvals: decisions.filter((x) => x.decision === 'approved'),
          rejection: decisions.find((x) => x.decision === 'rejected') ?? null,
          expiresAt: Number(r.approval_expires_at),
        };
      }),
    );
  }

  /** Pending deployments and when they expire (boot: re-arm or expire). */
  async pendingExpiries(): Promise<{ deploymentId: string; expiresAt: number }[]> {
    const rs = await this.db.execute(
      `SELECT d.id, ${EXPIRES} AS expires_at FROM deployments d LEFT JOIN deployment_approvals a ON a.deployment_id = d.id WHERE d.status = 'pending_approval'`,
    );
    return rs.rows.map((r) => ({ deploymentId: String(r.id), expiresAt: Number(r.expires_at) }));
  }
}
