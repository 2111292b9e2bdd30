import type { Db } from '../db/client.js';
import { optStr, str } from '../db/client.js';

/** The environment's latest deployment that ran to an end, when it failed (the "previous succeeded" rule). */
export interface PreviousFailure {
  deploymentId: string;
  status: 'failed' | 'timed_out';
  reason: string | null;
  finishedAt: number;
}

/**
 * Only deployments that started count: one refused before it ran (pre-flight: server offline,
 * disk full) or skipped says nothing about the code, and a successful rollback clears the rule.
 */
export async function previousFailure(db: Db, environmentId: string): Promise<PreviousFailure | null> {
  const row = (await db.execute({
    sql: `SELECT id, status, reason, finished_at FROM deployments
          WHERE environment_id = ? AND started_at IS NOT NULL AND status IN ('succeeded', 'failed', 'timed_out')
          ORDER BY finished_at DESC LIMIT 1`,
    args: [environmentId],
  })).rows[0];
  if (!row || row.status === 'succeeded') return null;
  return { deploymentId: str(row.id), status: str(row.status) as PreviousFailure['status'], reason: optStr(row.reason), finishedAt: Number(row.finished_at) };
}

export function previousFailureMessage(envName: string, f: PreviousFailure): string {
  const what = f.status === 'timed_out' ? 'timed out' : 'failed';
  return `the previous deployment of "${envName}" (${f.deploymentId}) ${what}${f.reason ? `: ${f.reason}` : ''}; this environment deploys only after a successful one`;
}
