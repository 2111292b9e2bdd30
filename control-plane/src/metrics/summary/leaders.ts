import type { FailureInfo } from '../../deployments/types.js';
import type { MetricsSummary } from './schema.js';
import { FAILED, type DeploymentFacts } from './stats.js';

/** The columns the leaderboards need besides the figures'. */
export interface DeploymentLabels {
  projectId: string;
  projectName: string;
  /** The requester's email, the webhook pusher / schedule, else the trigger. */
  who: string;
  failure: FailureInfo | null;
  reason: string | null;
}

const TOP = 10;

/** Most first; ties by the tie-breaker (most recent failure, or name), so the answer is stable. */
function top<T extends { count: number }>(groups: Map<string, T>, tie: (a: T, b: T) => number): T[] {
  return [...groups.values()].sort((a, b) => b.count - a.count || tie(a, b)).slice(0, TOP);
}

/** What a failure is grouped by: the failed step's stage and error, else the reason's first line. */
export function failureKey(d: Pick<DeploymentLabels, 'failure' | 'reason'>): { stage: string | null; error: string } {
  const f = d.failure;
  if (f) {
    const error = f.error ?? (f.exitCode !== null ? `${f.step}: exit code ${f.exitCode}` : `${f.step} failed`);
    return { stage: f.stage, error };
  }
  return { stage: null, error: d.reason?.split('\n')[0]?.trim() || 'no reason recorded' };
}

/** Failure reasons, most active projects and top deployers over the range. */
export function leaderboards(deployments: readonly (DeploymentFacts & DeploymentLabels)[]): Pick<MetricsSummary, 'failureReasons' | 'topProjects' | 'topDeployers'> {
  const reasons = new Map<string, { stage: string | null; error: string; count: number; lastDeploymentId: string; at: number }>();
  const projects = new Map<string, { projectId: string; projectName: string; count: number }>();
  const deployers = new Map<string, { who: string; count: number; failed: number }>();
  for (const d of deployments) {
    const p = projects.get(d.projectId) ?? { projectId: d.projectId, projectName: d.projectName, count: 0 };
    p.count += 1;
    projects.set(d.projectId, p);
    const failed = FAILED.includes(d.status);
    const w = deployers.get(d.who) ?? { who: d.who, count: 0, failed: 0 };
    w.count += 1;
    if (failed) w.failed += 1;
    deployers.set(d.who, w);
    if (!failed) continue;
    const { stage, error } = failureKey(d);
    const key = `${stage ?? ''}\u0000${error}`;
    const r = reasons.get(key) ?? { stage, error, count: 0, lastDeploymentId: d.id, at: 0 };
    r.count += 1;
    if (d.createdAt >= r.at) {
      r.at = d.createdAt;
      r.lastDeploymentId = d.id;
    }
    reasons.set(key, r);
  }
  return {
    failureReasons: top(reasons, (a, b) => b.at - a.at).map(({ stage, error, count, lastDeploymentId }) => ({ stage, error, count, lastDeploymentId })),
    topProjects: top(projects, (a, b) => a.projectName.localeCompare(b.projectName)).map(({ projectId, projectName, count }) => ({ projectId, projectName, deployments: count })),
    topDeployers: top(deployers, (a, b) => a.who.localeCompare(b.who)).map(({ who, count, failed }) => ({ who, deployments: count, failed })),
  };
}
