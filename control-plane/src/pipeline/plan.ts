import type { SlotName } from '@devflow/protocol';
import { AppError } from '../errors.js';
import type { GitCredentials } from '../repositories/index.js';
import { renderEnvFile, secretValues } from './dotenv.js';
import type { RepoFacts } from './presets.js';
import { resolvePipeline, type ResolvedPipeline } from './resolve.js';
import type { DevflowConfig, PipelineSettings, Preset } from './settings.js';
import { STAGES, type StageName } from './stages.js';
import { commandName, execStep, healthStep, otherSlot, slotStartStep, type PlannedStep } from './steps.js';

export { STAGES, type StageName } from './stages.js';
export type { PlannedStep } from './steps.js';

export interface ServerPlan {
  serverId: string;
  steps: PlannedStep[];
}

export interface DeploymentPlan {
  releaseId: string;
  /** Migrate steps appear only on the first server (migrations are database-wide). */
  servers: ServerPlan[];
  /** Values to mask in logs (env var values, tokens). */
  secrets: string[];
  /** Stages up to (not including) this one run on every server before ANY server activates. */
  barrierBefore: 'activate';
  /** The settings the plan was made from (preset, strategy, keepReleases, …), for display and rollback. */
  pipeline: ResolvedPipeline;
}

/** The environment as the planner needs it; `settings` are its console settings (columns + pipeline overrides). */
export interface PlanEnvironment {
  name: string;
  /** `<project>-<env>`, the app directory on servers. */
  app: string;
  /** Where the app answers on each server (the proxy's public port for blue-green); null = no HTTP port. */
  port: number | null;
  /** Blue-green slot ports. */
  slotPorts: { blue: number; green: number } | null;
  settings: PipelineSettings;
  /** Decrypted environment variables. */
  variables: Record<string, string>;
}

export interface PlanServer {
  serverId: string;
  liveReleaseId: string | null;
  /** Slot serving traffic now (blue-green); the new release goes to the other one. */
  liveSlot: SlotName | null;
}

export interface PlanInput {
  releaseId: string;
  /** Full commit sha being deployed. */
  commit: string;
  /** Branch the agent fetches (the deployment's branch, else the environment's). */
  branch: string;
  project: { preset: Preset; repositoryUrl: string; credentials?: GitCredentials };
  environment: PlanEnvironment;
  /** Facts at the commit and its devflow.yml (see inspectCommit). */
  repo: RepoFacts & { config: DevflowConfig | null };
  options: { skipMigrations?: boolean; skipCache?: boolean };
  /** Target servers, in order; the first one runs migrations. */
  servers: PlanServer[];
}

/** Turns an environment's settings into the exact steps each server runs. Pure. */
export function planDeployment(input: PlanInput): DeploymentPlan {
  if (input.servers.length === 0) throw new AppError('VALIDATION_FAILED', `environment "${input.environment.name}" has no servers to deploy to`, { field: 'servers' });
  const pipeline = resolvePipeline({
    preset: input.project.preset,
    environment: input.environment.name,
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
  const secrets = [...secretValues(input.environment.variables), ...(creds?.httpsToken ? [creds.httpsToken] : []), ...(creds?.sshPrivateKey ? [creds.sshPrivateKey] : [])];
  return { releaseId: input.releaseId, servers, secrets, barrierBefore: 'activate', pipeline };
}

/** Settings that cannot work together are refused before anything runs. */
export function checkPipeline(p: ResolvedPipeline, env: PlanEnvironment): void {
  const fail = (field: string, message: string) => {
    throw new AppError('VALIDATION_FAILED', `environment "${env.name}": ${message}`, { field });
  };
  if (p.hooks.fetch.before.length > 0) fail('hooks.fetch.before', 'hooks.fetch.before cannot run: the release directory does not exist before fetch; use hooks.fetch.after');
  if (p.strategy === 'blue-green') {
    if (!p.start) fail('start', 'blue-green needs a start command (the app is started on the idle slot)');
    if (env.port === null) fail('port', 'blue-green needs a port for the traffic proxy');
    if (!env.slotPorts) fail('slotPorts', 'blue-green needs the blue and green slot ports');
  } else if (p.start && p.commands.restart.length === 0 && env.port === null) {
    fail('port', `the app is started with "${commandName(p.start)}" but the environment has no port`);
  }
}

function serverSteps(input: PlanInput, p: ResolvedPipeline, server: PlanServer, first: boolean): PlannedStep[] {
  const { app, port } = input.environment;
  const releaseId = input.releaseId;
  // Commands and the app see which release and commit they run (the checkout has no .git).
  const variables = { ...input.environment.variables, DEVFLOW_RELEASE: releaseId, DEVFLOW_COMMIT: input.commit };
  const t = p.timeoutsMs;
  const exec = (stage: StageName, phase: PlannedStep['phase']) => (cmd: Parameters<typeof execStep>[2]) =>
    execStep(stage, phase, cmd, { app, releaseId, env: variables, timeoutMs: t[stage] });
  const main: Record<StageName, PlannedStep[]> = Object.fromEntries(STAGES.map((s) => [s, []])) as unknown as Record<StageName, PlannedStep[]>;

  main.fetch.push({
    stage: 'fetch',
    phase: 'main',
    name: `git fetch ${input.branch} and check out ${input.commit.slice(0, 12)}`,
    spec: {
      kind: 'git.sync',
      app,
      releaseId,
      repoUrl: input.project.repositoryUrl,
      ref: input.branch,
      commit: input.commit,
      ...(input.project.credentials?.sshPrivateKey ? { sshPrivateKey: input.project.credentials.sshPrivateKey } : {}),
      ...(input.project.credentials?.httpsToken ? { httpsToken: input.project.credentials.httpsToken } : {}),
      timeoutMs: t.fetch,
    },
  });

  if (p.sharedPaths.length > 0 || p.envFile || p.reuse.length > 0) {
    main.link.push({
      stage: 'link',
      phase: 'main',
      name: [p.sharedPaths.length > 0 && 'link shared paths', p.envFile && `write ${p.envFile}`, p.reuse.length > 0 && 'reuse dependencies'].filter(Boolean).join(', '),
      spec: {
        kind: 'release.link',
        app,
        releaseId,
        sharedPaths: p.sharedPaths,
        ...(p.envFile ? { envFile: { name: p.envFile, content: renderEnvFile(input.environment.variables) } } : {}),
        reuse: p.reuse,
        timeoutMs: t.link,
      },
    });
  }

  for (const cmd of p.commands.install) {
    const step = exec('install', 'main')(cmd);
    const reused = reusedBy(cmd, p.reuse);
    main.install.push(reused ? { ...step, skipWhenReused: reused } : step);
  }
  main.build.push(...p.commands.build.map(exec('build', 'main')));
  main.migrate.push(...p.commands.migrate.map(exec('migrate', 'main')));
  main.cache.push(...p.commands.cache.map(exec('cache', 'main')));

  if (p.strategy === 'blue-green' && p.start && port !== null && input.environment.slotPorts) {
    const idle = otherSlot(server.liveSlot);
    const slotPort = input.environment.slotPorts[idle];
    main.activate.push(slotStartStep('activate', { app, slot: idle, releaseId, start: p.start, port: slotPort, env: variables, timeoutMs: t.activate }));
    if (p.healthcheck) main.activate.push(healthStep('activate', `http://127.0.0.1:${slotPort}${p.healthcheck.path}`, p.healthcheck, t.activate, { app, slot: idle }));
    main.activate.push({
      stage: 'activate',
      phase: 'main',
      name: `switch traffic on port ${port} to ${idle}`,
      spec: { kind: 'traffic.switch', app, listenPort: port, slot: idle, targetPort: slotPort, drainMs: 30_000, timeoutMs: t.activate },
    });
  }
  main.activate.push({ stage: 'activate', phase: 'main', name: `switch current to ${releaseId}`, spec: { kind: 'release.activate', app, releaseId, timeoutMs: t.activate } });

  if (p.commands.restart.length > 0) main.restart.push(...p.commands.restart.map(exec('restart', 'main')));
  else if (p.strategy === 'in-place' && p.start && port !== null) {
    main.restart.push(slotStartStep('restart', { app, slot: 'main', releaseId, start: p.start, port, env: variables, timeoutMs: t.restart }));
  }

  if (p.healthcheck && port !== null) {
    const supervised = p.strategy === 'in-place' && p.start && p.commands.restart.length === 0;
    main.healthcheck.push(healthStep('healthcheck', `http://127.0.0.1:${port}${p.healthcheck.path}`, p.healthcheck, t.healthcheck, supervised ? { app, slot: 'main' } : undefined));
  }

  // The live release stays as the rollback target.
  const protect = [releaseId, ...(server.liveReleaseId && server.liveReleaseId !== releaseId ? [server.liveReleaseId] : [])];
  main.cleanup.push({
    stage: 'cleanup',
    phase: 'main',
    name: `prune old releases (keep ${p.keepReleases})`,
    spec: { kind: 'release.prune', app, keep: p.keepReleases, protect, timeoutMs: t.cleanup },
  });

  const skipped = new Set<StageName>();
  if (input.options.skipMigrations || !first) skipped.add('migrate');
  if (input.options.skipCache) skipped.add('cache');
  return STAGES.filter((stage) => !skipped.has(stage)).flatMap((stage) => [
    ...p.hooks[stage].before.map(exec(stage, 'before')),
    ...main[stage],
    ...p.hooks[stage].after.map(exec(stage, 'after')),
  ]);
}

/** Which reused dependency directory makes this install command unnecessary. */
function reusedBy(cmd: Parameters<typeof commandName>[0], reuse: ResolvedPipeline['reuse']): string | undefined {
  const tool = typeof cmd === 'string' ? undefined : cmd.argv[0];
  const path = tool === 'composer' ? 'vendor' : tool === 'npm' || tool === 'yarn' || tool === 'pnpm' ? 'node_modules' : undefined;
  return reuse.some((r) => r.path === path) ? path : undefined;
}
