import { presetDefaults, type RepoFacts } from './presets.js';
import { mergeSettings, settingsFor, type Command, type DevflowConfig, type PipelineSettings, type Preset, type Strategy } from './settings.js';
import {
  COMMAND_STAGES,
  DEFAULT_HEALTHCHECK_PATH,
  DEFAULT_KEEP_RELEASES,
  DEFAULT_STAGE_TIMEOUTS_S,
  STAGES,
  type CommandStage,
  type StageName,
} from './stages.js';

/** Every setting decided: what the planner turns into steps. */
export interface ResolvedPipeline {
  preset: Preset;
  strategy: Strategy;
  start: Command | null;
  downMigrate: Command | null;
  commands: Record<CommandStage, Command[]>;
  hooks: Record<StageName, { before: Command[]; after: Command[] }>;
  sharedPaths: string[];
  envFile: string | null;
  reuse: { path: string; lockfile: string }[];
  healthcheck: { path: string; expectStatus: number; timeoutS: number; healthyAfter: number; intervalMs: number; attemptTimeoutMs: number } | null;
  /** Blue-green switch: drain time of the old slot, and when to stop it (null: when the next deployment replaces it). */
  blueGreen: { drainMs: number; stopOldSlotAfterMs: number | null };
  /** Canary by weight (strategy canary): steps and the analysis thresholds, defaults filled in. */
  canary: CanaryPlan;
  keepReleases: number;
  timeoutsMs: Record<StageName, number>;
}

export interface CanaryPlan {
  /** Percent of clients per step, increasing, ending at 100. */
  steps: number[];
  windowMs: number;
  minRequests: number;
  /** As a fraction (0.01 = one percentage point). */
  maxErrorRateIncrease: number;
  maxP99Ratio: number;
  latencyToleranceMs: number;
  inconclusiveWindows: number;
}

export const DEFAULT_CANARY_STEPS = [5, 25, 50, 100];

export interface ResolveInput {
  /** The project's preset (console). */
  preset: Preset;
  environment: string;
  /** The environment's public port (null: none); an app DevFlow starts on one deploys blue-green unless told otherwise. */
  port: number | null;
  /** The environment's settings in the console (its columns and its pipeline overrides). */
  console: PipelineSettings;
  /** devflow.yml at the commit, parsed; null when the repository has none. */
  repoConfig: DevflowConfig | null;
  facts: RepoFacts;
}

const list = (value: Command | Command[] | false | null | undefined): Command[] =>
  value === undefined || value === null || value === false ? [] : Array.isArray(value) ? value : [value];

/** preset < console < devflow.yml (its top level, then its section for this environment). */
export function resolvePipeline(input: ResolveInput): ResolvedPipeline {
  const repo = input.repoConfig ? settingsFor(input.repoConfig, input.environment) : {};
  const preset = repo.preset ?? input.console.preset ?? input.preset;
  const phpFpmService = repo.phpFpmService ?? input.console.phpFpmService;
  const defaults = presetDefaults(preset, input.facts, phpFpmService);
  const s = mergeSettings(mergeSettings(defaults.settings, input.console), repo);

  const commands = Object.fromEntries(COMMAND_STAGES.map((stage) => [stage, list(s[stage])])) as Record<CommandStage, Command[]>;
  const hooks = Object.fromEntries(
    STAGES.map((stage) => [stage, { before: list(s.hooks?.[stage]?.before), after: list(s.hooks?.[stage]?.after) }]),
  ) as ResolvedPipeline['hooks'];
  const timeoutsMs = Object.fromEntries(
    STAGES.map((stage) => [stage, (s.timeouts?.[stage] ?? DEFAULT_STAGE_TIMEOUTS_S[stage]) * 1000]),
  ) as Record<StageName, number>;
  const start = s.start === undefined || s.start === null || s.start === false ? null : s.start;
  const hc = s.healthcheck === false || s.healthcheck?.enabled === false ? null : (s.healthcheck ?? {});

  return {
    preset,
    strategy: s.strategy ?? defaultStrategy(input.port, start, commands.restart),
    start,
    downMigrate: s.downMigrate === undefined || s.downMigrate === null || s.downMigrate === false ? null : s.downMigrate,
    commands,
    hooks,
    sharedPaths: s.sharedPaths ?? [],
    envFile: s.envFile === undefined || s.envFile === null || s.envFile === false ? null : s.envFile,
    // Reuse only applies to the preset's own install; a replaced install may not produce those dirs.
    reuse: s.install === defaults.settings.install ? defaults.reuse : [],
    healthcheck: hc && {
      path: hc.path ?? DEFAULT_HEALTHCHECK_PATH,
      expectStatus: hc.expectStatus ?? 200,
      timeoutS: hc.timeout ?? 30,
      healthyAfter: hc.healthyAfter ?? 1,
      intervalMs: Math.round((hc.interval ?? 1) * 1000),
      attemptTimeoutMs: Math.round((hc.attemptTimeout ?? 5) * 1000),
    },
    blueGreen: {
      drainMs: Math.round((s.blueGreen?.drainTimeout ?? 30) * 1000),
      stopOldSlotAfterMs: typeof s.blueGreen?.stopOldSlotAfter === 'number' ? s.blueGreen.stopOldSlotAfter * 1000 : null,
    },
    canary: {
      steps: s.canary?.steps ?? DEFAULT_CANARY_STEPS,
      windowMs: Math.round((s.canary?.window ?? 60) * 1000),
      minRequests: s.canary?.minRequests ?? 100,
      maxErrorRateIncrease: (s.canary?.maxErrorRateIncrease ?? 1) / 100,
      maxP99Ratio: s.canary?.maxP99Ratio ?? 1.5,
      latencyToleranceMs: s.canary?.latencyTolerance ?? 5,
      inconclusiveWindows: s.canary?.inconclusiveWindows ?? 10,
    },
    keepReleases: s.keepReleases ?? DEFAULT_KEEP_RELEASES,
    timeoutsMs,
  };
}

/**
 * No layer chose a strategy: blue-green when DevFlow starts the app itself on a public port (it can
 * start the new release beside the old one and switch without a failed request), else in-place
 * (nothing to start, or the user's own restart command manages the process).
 */
function defaultStrategy(port: number | null, start: Command | null, restart: Command[]): Strategy {
  return port !== null && start !== null && restart.length === 0 ? 'blue-green' : 'in-place';
}
