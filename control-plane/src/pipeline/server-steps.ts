import { renderEnvFile } from './dotenv.js';
import type { PlanInput, PlanServer } from './plan-types.js';
import type { ResolvedPipeline } from './resolve.js';
import type { Command } from './settings.js';
import { STAGES, type StageName } from './stages.js';
import { usesSlots } from './settings.js';
import { behindProxy, blueGreenSwitchStep, leaveBlueGreenSteps } from './strategy-change.js';
import { execStep, healthStep, otherSlot, slotStartStep, switchStep, type PlannedStep } from './steps.js';

/** The steps of one server, stage by stage, hooks around each stage; migrate only where `first`. */
export function serverSteps(input: PlanInput, p: ResolvedPipeline, server: PlanServer, first: boolean): PlannedStep[] {
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

  // Slots (blue-green, canary): the new release starts on the idle slot (the restart stage) and is
  // health-checked there before traffic moves (activate); its caches are built before it starts (issue 16 item 5).
  const blueGreen = usesSlots(p.strategy) && p.start && port !== null && input.environment.slotPorts ? input.environment.slotPorts : null;
  if (blueGreen && p.start && port !== null) {
    const idle = otherSlot(server.liveSlot);
    const slotPort = blueGreen[idle];
    main.restart.push(slotStartStep('restart', { app, slot: idle, releaseId, start: p.start, port: slotPort, env: variables, timeoutMs: t.restart }));
    // A release that never becomes healthy is stopped there; traffic never moved to it.
    if (p.healthcheck) main.restart.push(healthStep('restart', `http://127.0.0.1:${slotPort}${p.healthcheck.path}`, p.healthcheck, t.restart, { app, slot: idle }, true));
    const switchArgs = { app, listenPort: port, hostname: input.environment.hostname, slot: idle, targetPort: slotPort, blueGreen: p.blueGreen, timeoutMs: t.activate };
    if (p.strategy === 'canary' && hasBaseline(server) && p.canary.steps.length > 1) main.activate.push(...canarySteps(p, switchArgs));
    else main.activate.push(blueGreenSwitchStep(server, `switch traffic on port ${port} to ${idle}`, switchArgs));
  }
  main.activate.push({ stage: 'activate', phase: 'main', name: `switch current to ${releaseId}`, spec: { kind: 'release.activate', app, releaseId, timeoutMs: t.activate } });

  // The user's restart commands reload services that read `current`: after the switch, in every strategy.
  const restartCommands = p.commands.restart.map(exec('restart', 'main'));
  const leaving = p.strategy === 'in-place' && port !== null && behindProxy(server) ? leaveBlueGreenSteps('restart', { app, port, drainMs: p.blueGreen.drainMs, timeoutMs: t.restart }) : null;
  if (!blueGreen) {
    main.restart.push(...(leaving?.before ?? []));
    if (restartCommands.length > 0) main.restart.push(...restartCommands);
    else if (p.strategy === 'in-place' && p.start && port !== null) {
      main.restart.push(slotStartStep('restart', { app, slot: 'main', releaseId, start: p.start, port, env: variables, timeoutMs: t.restart }));
    }
    main.restart.push(...(leaving?.after ?? []));
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
    spec: { kind: 'release.prune', app, keep: p.keepReleases, protect, ...(server.failedReleaseIds?.length ? { failed: server.failedReleaseIds.slice(0, 1000) } : {}), timeoutMs: t.cleanup },
  });

  const skipped = new Set<StageName>();
  if (input.options.skipMigrations || !first) skipped.add('migrate');
  if (input.options.skipCache) skipped.add('cache');
  const stage = (name: StageName): PlannedStep[] =>
    skipped.has(name) ? [] : [...p.hooks[name].before.map(exec(name, 'before')), ...main[name], ...p.hooks[name].after.map(exec(name, 'after'))];
  if (!blueGreen) return STAGES.flatMap(stage);
  return [...BLUE_GREEN_BEFORE_SWITCH.flatMap(stage), ...stage('activate'), ...restartCommands, ...(['healthcheck', 'cleanup'] as const).flatMap(stage)];
}

/** Blue-green runs cache and restart (start + health-check the new slot) on the new release before traffic moves to it. */
const BLUE_GREEN_BEFORE_SWITCH: readonly StageName[] = ['fetch', 'link', 'install', 'build', 'migrate', 'cache', 'restart'];

/** Which reused dependency directory makes this install command unnecessary. */
function reusedBy(cmd: Command, reuse: ResolvedPipeline['reuse']): string | undefined {
  const tool = typeof cmd === 'string' ? undefined : cmd.argv[0];
  const path = tool === 'composer' ? 'vendor' : tool === 'npm' || tool === 'yarn' || tool === 'pnpm' ? 'node_modules' : undefined;
  return reuse.some((r) => r.path === path) ? path : undefined;
}

/** A canary needs a release the proxy serves now on the other slot to compare with; the first release just switches. */
function hasBaseline(server: PlanServer): boolean {
  return server.liveReleaseId !== null && (server.liveSlot === 'blue' || server.liveSlot === 'green');
}

/**
 * Canary by weight: the first step's share of clients goes to the new slot; the orchestrator then
 * judges it window by window and raises the weight (rollout/canary.ts); the gated switch that
 * follows is the promotion (the proxy keeps the canary's connections, the old slot drains and
 * stays up as the warm rollback target).
 */
function canarySteps(p: ResolvedPipeline, args: Parameters<typeof switchStep>[1]): PlannedStep[] {
  const first = p.canary.steps[0] ?? 100;
  return [
    {
      stage: 'activate',
      phase: 'main',
      name: `send ${first}% of clients to the canary ${args.slot} (port ${args.targetPort})`,
      spec: { kind: 'traffic.split', app: args.app, canary: { slot: args.slot, targetPort: args.targetPort }, weight: first, drainMs: p.blueGreen.drainMs, timeoutMs: args.timeoutMs },
    },
    { ...switchStep(`promote the canary ${args.slot}: all traffic on port ${args.listenPort}`, args), gate: 'canary' },
  ];
}
