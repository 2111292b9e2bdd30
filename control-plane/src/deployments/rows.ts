import { num, optNum, optStr, str } from '../db/client.js';
import type { Deployment, DeploymentStatus, DeploymentStepRow, DeploymentTarget, FailureInfo, StepRowStatus, StoredOptions, TargetStatus, Trigger, DeploymentKind } from './types.js';

type Row = Record<string, unknown>;

/**
 * Display names selected next to `d.*` (alias `d`): project, environment and the requester's
 * email, read in the same statement so a list costs one query.
 */
export const NAMES_SQL = `(SELECT name FROM projects WHERE id = d.project_id) AS project_name,
  (SELECT name FROM environments WHERE id = d.environment_id) AS environment_name,
  (SELECT email FROM users WHERE id = d.user_id) AS user_email`;

/** `position` is computed by the caller (rank among queued deployments of the project). */
export function toDeployment(r: Row, position: number | null = null): Deployment {
  const startedAt = optNum(r.started_at);
  const finishedAt = optNum(r.finished_at);
  const sha = optStr(r.commit_sha);
  const userId = optStr(r.user_id);
  const email = optStr(r.user_email);
  return {
    id: str(r.id),
    projectId: str(r.project_id),
    projectName: optStr(r.project_name) ?? str(r.project_id),
    environmentId: str(r.environment_id),
    environmentName: optStr(r.environment_name) ?? str(r.environment_id),
    kind: str(r.kind) as DeploymentKind,
    trigger: str(r.trigger) as Trigger,
    userId,
    triggeredBy: userId && email ? { id: userId, email } : null,
    requestedBy: optStr(r.requested_by),
    branch: optStr(r.branch),
    commit: sha ? { sha, message: optStr(r.commit_message), author: optStr(r.commit_author) } : null,
    options: JSON.parse(str(r.options) || '{}') as StoredOptions,
    status: str(r.status) as DeploymentStatus,
    reason: optStr(r.reason),
    failure: r.failure === null || r.failure === undefined ? null : (JSON.parse(str(r.failure)) as FailureInfo),
    position: str(r.status) === 'queued' ? position : null,
    releaseId: optStr(r.release_id),
    rollbackOf: optStr(r.rollback_of),
    causedBy: optStr(r.caused_by),
    blockedBy: optStr(r.blocked_by),
    createdAt: num(r.created_at),
    startedAt,
    activatedAt: optNum(r.activated_at),
    finishedAt,
    durationMs: startedAt !== null && finishedAt !== null ? finishedAt - startedAt : null,
  };
}

export const toTarget = (r: Row): DeploymentTarget => ({
  serverId: str(r.server_id),
  serverName: str(r.server_name),
  position: num(r.position),
  status: str(r.status) as TargetStatus,
  startedAt: optNum(r.started_at),
  finishedAt: optNum(r.finished_at),
});

export function toStepRow(r: Row): DeploymentStepRow {
  const startedAt = optNum(r.started_at);
  const finishedAt = optNum(r.finished_at);
  return {
    serverId: str(r.server_id),
    idx: num(r.idx),
    ordinal: num(r.ordinal),
    stage: str(r.stage),
    phase: str(r.phase),
    name: str(r.name),
    kind: str(r.kind),
    stepId: str(r.step_id),
    status: str(r.status) as StepRowStatus,
    skipReason: optStr(r.skip_reason),
    exitCode: optNum(r.exit_code),
    error: optStr(r.error),
    startedAt,
    finishedAt,
    durationMs: startedAt !== null && finishedAt !== null ? finishedAt - startedAt : null,
  };
}
