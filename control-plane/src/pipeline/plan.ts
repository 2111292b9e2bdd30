import { AppError } from '../errors.js';
import { secretValues } from './dotenv.js';
import { urlPassword } from '../steps/redact.js';
import { checkPipeline } from './check.js';
import { serverSteps } from './server-steps.js';
import { resolvePipeline } from './resolve.js';
import type { DeploymentPlan, PlanInput } from './plan-types.js';

export { STAGES, type StageName } from './stages.js';
export { checkPipeline } from './check.js';
export type { PlannedStep } from './steps.js';
export type * from './plan-types.js';

/** Turns an environment's settings into the exact steps each server runs. Pure. */
export function planDeployment(input: PlanInput): DeploymentPlan {
  if (input.servers.length === 0) throw new AppError('VALIDATION_FAILED', `environment "${input.environment.name}" has no servers to deploy to`, { field: 'servers' });
  const pipeline = resolvePipeline({
    preset: input.project.preset,
    environment: input.environment.name,
    port: input.environment.port,
    console: input.environment.settings,
    repoConfig: input.repo.config,
    facts: input.repo,
  });
  checkPipeline(pipeline, input.environment);
  const servers = input.servers.map((server, index) => ({
    serverId: server.serverId,
    steps: serverSteps(input, pipeline, server, index === 0),
  }));
  const creds = input.project.credentials;
  const password = urlPassword(input.project.repositoryUrl);
  const secrets = [
    ...secretValues(input.environment.variables, [input.environment.app]),
    ...(creds?.httpsToken ? [creds.httpsToken] : []),
    ...(creds?.sshPrivateKey ? [creds.sshPrivateKey] : []),
    // git may print the URL it fetches: the agent masks its password like any secret.
    ...(password ? [password] : []),
  ];
  return { releaseId: input.releaseId, servers, secrets, barrierBefore: 'activate', pipeline };
}
