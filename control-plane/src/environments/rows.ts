import { parseApprovalColumn } from '../approvals/rule.js';
import type { PipelineSettings, Strategy } from '../pipeline/settings.js';
import { DEFAULT_STAGE_TIMEOUTS_S, type StageName } from '../pipeline/stages.js';
import { slotPortsOf } from './ports.js';
import type { Environment } from './types.js';

/** An `environments` row joined with its project name and the locking user's email. */
export interface EnvironmentRow {
  id: string;
  project_id: string;
  project_name: string;
  name: string;
  branch: string;
  strategy: Strategy | null;
  port: number | null;
  blue_port: number | null;
  green_port: number | null;
  hostname: string | null;
  start_command: string | null;
  healthcheck_path: string;
  keep_releases: number;
  stage_timeouts: string;
  pipeline: string;
  auto_rollback: number;
  auto_deploy: number;
  approval: string | null;
  require_previous_success: number;
  locked_by: string | null;
  locked_by_email: string | null;
  locked_reason: string | null;
  locked_at: number | null;
  created_at: number;
  updated_at: number;
}

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function toEnvironment(
  r: EnvironmentRow,
  extra: Pick<Environment, 'servers' | 'variables' | 'liveRelease' | 'previousFailure'>,
): Environment {
  const port = n(r.port);
  const overrides = JSON.parse(r.stage_timeouts) as Partial<Record<StageName, number>>;
  return {
    id: String(r.id),
    projectId: String(r.project_id),
    project: String(r.project_name),
    name: String(r.name),
    app: `${r.project_name}-${r.name}`,
    branch: String(r.branch),
    strategy: r.strategy,
    port,
    slotPorts: slotPortsOf({ port, bluePort: n(r.blue_port), greenPort: n(r.green_port) }),
    hostname: r.hostname === null || r.hostname === undefined ? null : String(r.hostname),
    startCommand: r.start_command === null ? null : String(r.start_command),
    healthcheckPath: String(r.healthcheck_path),
    keepReleases: Number(r.keep_releases),
    stageTimeouts: { ...DEFAULT_STAGE_TIMEOUTS_S, ...overrides },
    pipeline: JSON.parse(r.pipeline) as PipelineSettings,
    autoRollback: Number(r.auto_rollback) === 1,
    autoDeploy: Number(r.auto_deploy) === 1,
    approval: parseApprovalColumn(r.approval),
    requirePreviousSuccess: Number(r.require_previous_success ?? 1) === 1,
    lock:
      r.locked_by === null
        ? null
        : { by: String(r.locked_by), byEmail: r.locked_by_email === null ? null : String(r.locked_by_email), reason: String(r.locked_reason ?? ''), since: Number(r.locked_at) },
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    ...extra,
  };
}
