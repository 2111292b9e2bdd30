import type { Db } from '../../src/db/client.js';

/**
 * Rows for metrics tests, written with SQL into the real schema: the figures depend on
 * created/started/finished times that the engine sets from the clock.
 */
export async function seedEnvironment(db: Db, project: string, env: string): Promise<{ projectId: string; environmentId: string }> {
  const now = Date.now();
  const projectId = `p-${project}`;
  const environmentId = `e-${project}-${env}`;
  await db.execute({
    sql: `INSERT OR IGNORE INTO projects (id, name, repository_url, preset, default_branch, created_at, updated_at) VALUES (?, ?, '/tmp/none', 'node', 'main', ?, ?)`,
    args: [projectId, project, now, now],
  });
  await db.execute({
    sql: `INSERT INTO environments (id, project_id, name, branch, strategy, healthcheck_path, keep_releases, created_at, updated_at)
          VALUES (?, ?, ?, 'main', 'in-place', '/up', 10, ?, ?)`,
    args: [environmentId, projectId, env, now, now],
  });
  return { projectId, environmentId };
}

export interface SeedDeployment {
  id: string;
  status: string;
  kind?: 'deploy' | 'rollback';
  trigger?: string;
  createdAt: number;
  /** Seconds from creation to start (default 0) and from start to finish (omit: not finished). */
  waitS?: number;
  durationS?: number;
  /** FailureInfo-shaped JSON of the failed step, the reason, and who asked. */
  failure?: { stage: string; step: string; exitCode: number | null; error: string | null };
  reason?: string;
  requestedBy?: string;
}

export async function seedDeployments(db: Db, ids: { projectId: string; environmentId: string }, rows: readonly SeedDeployment[]): Promise<void> {
  for (const d of rows) {
    const started = d.durationS === undefined && d.status !== 'running' ? null : d.createdAt + (d.waitS ?? 0) * 1000;
    const finished = d.durationS === undefined || started === null ? null : started + d.durationS * 1000;
    await db.execute({
      sql: `INSERT INTO deployments (id, project_id, environment_id, kind, trigger, status, created_at, started_at, finished_at, failure, reason, requested_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [
        d.id,
        ids.projectId,
        ids.environmentId,
        d.kind ?? 'deploy',
        d.trigger ?? (d.kind === 'rollback' ? 'rollback' : 'manual'),
        d.status,
        d.createdAt,
        started,
        finished,
        d.failure ? JSON.stringify({ serverId: 'srv', serverName: 'web1', lastLines: [], ...d.failure }) : null,
        d.reason ?? null,
        d.requestedBy ?? null,
      ],
    });
  }
}
