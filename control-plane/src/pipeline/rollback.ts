import type { SlotName } from '@devflow/protocol';
import { AppError } from '../errors.js';
import { renderEnvFile, secretValues } from './dotenv.js';
import { checkPipeline } from './check.js';
import type { DeploymentPlan, PlanEnvironment, ServerPlan } from './plan-types.js';
import type { RepoFacts } from './presets.js';
import { resolvePipeline, type ResolvedPipeline } from './resolve.js';
import { usesSlots, type DevflowConfig, type Preset } from './settings.js';
import { behindProxy, blueGreenSwitchStep, leaveBlueGreenSteps } from './strategy-change.js';
import { execStep, healthStep, otherSlot, slotStartStep, type PlannedStep } from './steps.js';

export interface RollbackServer {
  serverId: string;
  liveReleaseId: string | null;
  liveSlot: SlotName | null;
  /** As PlanServer's. */
  occupiedSlots?: SlotName[];
  /** Release still running in the idle slot (blue-green keeps the old one up): switching back needs no start. */
  idleSlotReleaseId?: string | null;
  /**
   * The release `current` points at: the live one, or the newest activated one when that failed after
   * activation (marked bad, still in place — its migration ran, so its down-migration is the one to run).
   */
  currentReleaseId?: string | null;
}

export interface RollbackPlanInput {
  /** The release to make live again (still on disk on every target server). */
  targetReleaseId: string;
  project: { preset: Preset };
  environment: PlanEnvironment;
  /** devflow.yml of the target release's commit when known (its start/restart commands apply). */
  repoConfig?: DevflowConfig | null;
  facts?: RepoFacts | null;
  servers: RollbackServer[];
  /** The commit of the target release, passed to the app as DEVFLOW_COMMIT. */
  targetCommit?: string | null;
  /** The target release's variables snapshot (decrypted), to restore with `restoreVariables`. */
  variablesSnapshot?: Record<string, string> | null;
  options: { restoreVariables?: boolean; runDownMigration?: boolean };
}

/**
 * Re-activates a release still on disk: optionally restore its variables and run the
 * down-migration (first server, in the code that is live now, which knows the migration),
 * then switch, reload and health-check. No fetch, no install, no build. Pure.
 */
export function planRollback(input: RollbackPlanInput): DeploymentPlan {
  const env = input.environment;
  if (input.servers.length === 0) throw new AppError('VALIDATION_FAILED', `environment "${env.name}" has no servers to roll back`, { field: 'servers' });
  const pipeline = resolvePipeline({
    preset: input.project.preset,
    environment: env.name,
    port: env.port,
    console: env.settings,
    repoConfig: input.repoConfig ?? null,
    facts: input.facts ?? { rootFiles: [], packageScripts: null },
  });
  checkPipeline(pipeline, env);
  if (input.options.restoreVariables && !input.variablesSnapshot) {
    throw new AppError('VALIDATION_FAILED', `release ${input.targetReleaseId} has no variables snapshot to restore`, { field: 'restoreVariables' });
  }
  if (input.options.runDownMigration && !pipeline.downMigrate) {
    throw new AppError('VALIDATION_FAILED', `environment "${env.name}" has no down-migration command (set downMigrate)`, { field: 'runDownMigration' });
  }
  if (input.options.runDownMigration && downMigrationRelease(input.servers[0]!) === null) {
    throw new AppError('VALIDATION_FAILED', `server ${input.servers[0]!.serverId} has no current release to run the down-migration in (nothing was activated there yet)`, { field: 'runDownMigration' });
  }
  const variables = input.options.restoreVariables && input.variablesSnapshot ? input.variablesSnapshot : env.variables;
  const servers: ServerPlan[] = input.servers.map((server, index) => ({
    serverId: server.serverId,
    steps: rollbackSteps(input, pipeline, server, index === 0, variables),
  }));
  return { releaseId: input.targetReleaseId, servers, secrets: secretValues({ ...env.variables, ...variables }, [env.app]), barrierBefore: 'activate', pipeline };
}

/** The code that knows the migration to undo: what `current` points at on the server. */
function downMigrationRelease(server: RollbackServer): string | null {
  return server.currentReleaseId ?? server.liveReleaseId;
}

/** What the restored app runs with: its variables plus which release and commit it is. */
function runEnv(input: RollbackPlanInput, variables: Record<string, string>): Record<string, string> {
  return { ...variables, DEVFLOW_RELEASE: input.targetReleaseId, ...(input.targetCommit ? { DEVFLOW_COMMIT: input.targetCommit } : {}) };
}

function rollbackSteps(input: RollbackPlanInput, p: ResolvedPipeline, server: RollbackServer, first: boolean, variables: Record<string, string>): PlannedStep[] {
  const { app, port, slotPorts } = input.environment;
  const releaseId = input.targetReleaseId;
  const env = runEnv(input, variables);
  const t = p.timeoutsMs;
  const steps: PlannedStep[] = [];

  if (input.options.restoreVariables && p.envFile) {
    steps.push({
      stage: 'link',
      phase: 'main',
      name: `restore ${p.envFile} of ${releaseId}`,
      spec: { kind: 'release.link', app, releaseId, sharedPaths: p.sharedPaths, envFile: { name: p.envFile, content: renderEnvFile(variables) }, reuse: [], timeoutMs: t.link },
    });
  }
  const downIn = downMigrationRelease(server);
  if (input.options.runDownMigration && p.downMigrate && first && downIn) {
    steps.push(execStep('migrate', 'main', p.downMigrate, { app, releaseId: downIn, env: input.environment.variables, timeoutMs: t.migrate }));
  }

  if (usesSlots(p.strategy) && p.start && port !== null && slotPorts) {
    const idle = otherSlot(server.liveSlot);
    const slotPort = slotPorts[idle];
    // Warm: the old slot still runs the target. The agent keeps that process only when it runs with
    // exactly the variables that apply (the current ones, or the snapshot with restoreVariables),
    // else it restarts it with them: the same rule as in-place (issue 16 item 3). One probe proves a
    // kept process answers, then the switch.
    const warm = server.idleSlotReleaseId === releaseId;
    steps.push(slotStartStep('activate', { app, slot: idle, releaseId, start: p.start, port: slotPort, env, timeoutMs: t.activate, keepRunning: true }));
    if (p.healthcheck) {
      const hc = warm ? { ...p.healthcheck, healthyAfter: 1, intervalMs: Math.min(p.healthcheck.intervalMs, 100) } : p.healthcheck;
      steps.push(healthStep('activate', `http://127.0.0.1:${slotPort}${p.healthcheck.path}`, hc, t.activate, { app, slot: idle }, true));
    }
    steps.push(blueGreenSwitchStep(server, `switch traffic on port ${port} back to ${idle}`, { app, listenPort: port, hostname: input.environment.hostname, slot: idle, targetPort: slotPort, blueGreen: p.blueGreen, timeoutMs: t.activate }));
  }
  steps.push({ stage: 'activate', phase: 'main', name: `switch current back to ${releaseId}`, spec: { kind: 'release.rollback', app, releaseId, timeoutMs: t.activate } });

  // The environment was switched to in-place since the live release went out on a slot.
  const leaving = p.strategy === 'in-place' && port !== null && behindProxy(server) ? leaveBlueGreenSteps('restart', { app, port, drainMs: p.blueGreen.drainMs, timeoutMs: t.restart }) : null;
  steps.push(...(leaving?.before ?? []));
  if (p.commands.restart.length > 0) {
    steps.push(...p.commands.restart.map((cmd) => execStep('restart', 'main', cmd, { app, releaseId, env, timeoutMs: t.restart })));
  } else if (p.strategy === 'in-place' && p.start && port !== null) {
    steps.push(slotStartStep('restart', { app, slot: 'main', releaseId, start: p.start, port, env, timeoutMs: t.restart }));
  }
  steps.push(...(leaving?.after ?? []));
  if (p.healthcheck && port !== null) {
    const supervised = p.strategy === 'in-place' && p.start && p.commands.restart.length === 0;
    steps.push(healthStep('healthcheck', `http://127.0.0.1:${port}${p.healthcheck.path}`, p.healthcheck, t.healthcheck, supervised ? { app, slot: 'main' } : undefined));
  }
  return steps;
}
