import { DEPLOYMENT_STATUSES, type DeploymentStatus } from '../../deployments/types.js';
import type { MetricsStats } from './schema.js';

/** The columns of one deployment the figures need. */
export interface DeploymentFacts {
  id: string;
  environmentId: string;
  kind: 'deploy' | 'rollback';
  status: DeploymentStatus;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A failure streak in one environment, closed by the next succeeded deployment (if any yet). */
export interface Incident {
  environmentId: string;
  /** The first failed deployment of the streak (its bucket is the incident's). */
  first: DeploymentFacts;
  startedAt: number;
  recoveredAt: number | null;
}

export const FAILED: readonly DeploymentStatus[] = ['failed', 'timed_out'];

/** Linear interpolation between closest ranks (numpy's default); null for no values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] ?? a;
  return a + (b - a) * (pos - lo);
}

const round = (v: number | null, digits = 3): number | null => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** Figures for a set of deployments and the incidents that started among them. */
export function stats(deployments: readonly DeploymentFacts[], incidents: readonly Incident[]): MetricsStats {
  const byStatus = Object.fromEntries(DEPLOYMENT_STATUSES.map((s) => [s, 0])) as MetricsStats['byStatus'];
  const durations: number[] = [];
  let succeeded = 0;
  let failed = 0;
  let rollbacks = 0;
  for (const d of deployments) {
    byStatus[d.status] += 1;
    if (d.kind === 'rollback') {
      rollbacks += 1;
      continue;
    }
    if (d.status === 'succeeded') succeeded += 1;
    else if (FAILED.includes(d.status)) failed += 1;
    else continue;
    if (d.startedAt !== null && d.finishedAt !== null) durations.push((d.finishedAt - d.startedAt) / 1000);
  }
  durations.sort((a, b) => a - b);
  const recovered = incidents.filter((i) => i.recoveredAt !== null);
  const mttr = recovered.length ? recovered.reduce((sum, i) => sum + ((i.recoveredAt ?? 0) - i.startedAt), 0) / recovered.length / 1000 : null;
  return {
    deployments: deployments.length,
    byStatus,
    successRate: succeeded + failed > 0 ? round(succeeded / (succeeded + failed), 4) : null,
    durationP50Seconds: round(percentile(durations, 0.5)),
    durationP95Seconds: round(percentile(durations, 0.95)),
    durationMeanSeconds: round(durations.length ? durations.reduce((sum, v) => sum + v, 0) / durations.length : null),
    rollbacks,
    recoveries: recovered.length,
    mttrSeconds: round(mttr),
  };
}

/**
 * Failure streaks per environment, in finishing order: the first failed (or timed-out)
 * deployment opens one, the next succeeded deployment (deploy or rollback) closes it. Streaks
 * still open at the end of the list keep `recoveredAt: null`.
 */
export function incidents(deployments: readonly DeploymentFacts[]): Incident[] {
  const finished = deployments.filter((d) => d.finishedAt !== null && (d.status === 'succeeded' || FAILED.includes(d.status)));
  finished.sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
  const open = new Map<string, Incident>();
  const all: Incident[] = [];
  for (const d of finished) {
    const current = open.get(d.environmentId);
    if (d.status === 'succeeded') {
      if (current) {
        current.recoveredAt = d.finishedAt;
        open.delete(d.environmentId);
      }
    } else if (!current) {
      const incident: Incident = { environmentId: d.environmentId, first: d, startedAt: d.finishedAt ?? d.createdAt, recoveredAt: null };
      open.set(d.environmentId, incident);
      all.push(incident);
    }
  }
  return all;
}
