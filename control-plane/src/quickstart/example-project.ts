import type { Db } from '../db/client.js';
import type { EnvironmentService } from '../environments/service.js';
import type { ProjectService } from '../projects/service.js';

export const EXAMPLE_PROJECT = 'example';
export const EXAMPLE_ENVIRONMENT = 'production';
/** Set once the example was created: a user who deletes it does not get it back at the next start. */
const MARKER = 'quickstart.example';

export interface ExampleProjectInput {
  repoPath: string;
  serverId: string;
  port: number;
}

/** Creates project `example` with environment `production` on the local server, once. */
export async function ensureExampleProject(
  db: Db,
  projects: ProjectService,
  environments: EnvironmentService,
  input: ExampleProjectInput,
): Promise<'created' | 'exists' | 'removed by user'> {
  if (await projects.find(EXAMPLE_PROJECT)) return 'exists';
  const marker = await db.execute({ sql: 'SELECT 1 FROM settings WHERE key = ?', args: [MARKER] });
  if (marker.rows.length > 0) return 'removed by user';
  await projects.create('system', { name: EXAMPLE_PROJECT, repositoryUrl: input.repoPath, preset: 'node', defaultBranch: 'main' });
  await environments.create('system', EXAMPLE_PROJECT, { name: EXAMPLE_ENVIRONMENT, port: input.port, serverIds: [input.serverId] });
  await db.execute({ sql: 'INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, ?)', args: [MARKER, 'created', Date.now()] });
  return 'created';
}
