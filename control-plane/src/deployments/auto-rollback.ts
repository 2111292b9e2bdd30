import type { RunStore } from './run-store.js';
import type { RollbackOptions } from './types.js';

/**
 * What an automatic rollback asks for: the same options a person would give `devflow rollback`,
 * so both go through the one rollback plan (pipeline/rollback.ts). The down-migration runs when
 * the failed deployment's own migrate step went through and its pipeline has a down-migration
 * command: its migrations are what the restored release's code does not know (issue 16 item 6).
 */
export async function autoRollbackOptions(runs: Pick<RunStore, 'loadPlan' | 'steps'>, failedId: string): Promise<{ options: RollbackOptions; why: string }> {
  const plan = await runs.loadPlan(failedId);
  const migrated = (await runs.steps(failedId)).some((s) => s.stage === 'migrate' && s.phase === 'main' && s.status === 'succeeded');
  if (!migrated) return { options: {}, why: 'no down-migration: the failed deployment ran no migration' };
  if (!plan?.pipeline.downMigrate) return { options: {}, why: 'no down-migration: its migrations ran but no downMigrate command is configured; the database keeps them' };
  return { options: { runDownMigration: true }, why: 'with the configured down-migration: the failed deployment ran its migrations' };
}
