import { z } from 'zod';
import { COMMAND_STAGES, STAGES, type CommandStage, type StageName } from './stages.js';

/**
 * Pipeline settings: the one shape used by the console (an environment's pipeline overrides)
 * and by `devflow.yml`. Every field is optional; a layer only says what it changes
 * (preset < console < devflow.yml, see resolve.ts).
 */

const RelPath = z
  .string()
  .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]+$/, 'a relative path inside the release, without ".."')
  .max(1024);

/**
 * A shell string runs as `sh -c` in the release (the project's own script); `{argv}` runs without a shell.
 * `releasePathEnv` sets variables to the absolute path of a path inside the release on the server.
 */
export const Command = z.union([
  z.string().trim().min(1, 'a command must not be empty').max(8192),
  z
    .object({
      argv: z.array(z.string().max(8192)).min(1).max(256),
      releasePathEnv: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), RelPath).optional(),
    })
    .strict(),
]);
export type Command = z.infer<typeof Command>;

/** `false` or `null` turns the stage's commands off; one command or a list replaces the preset's. */
const StageCommands = z.union([z.literal(false), z.null(), Command, z.array(Command).max(50)]);
const Hook = z.union([Command, z.array(Command).max(50)]);
const Hooks = z
  .object({ before: Hook.optional(), after: Hook.optional() })
  .strict();

export const Healthcheck = z
  .object({
    enabled: z.boolean().optional(),
    path: z.string().regex(/^\/[^\s]*$/, 'must start with "/" and contain no spaces').max(2048).optional(),
    expectStatus: z.number().int().min(100).max(599).optional(),
    /** Seconds to wait for the app to become healthy. */
    timeout: z.number().int().min(1).max(3600).optional(),
    /** Consecutive successes required. */
    healthyAfter: z.number().int().min(1).max(100).optional(),
    /** Seconds between attempts (default 1; fractions allowed). */
    interval: z.number().min(0.01).max(60).optional(),
    /** Seconds one attempt may take (default 5). */
    attemptTimeout: z.number().min(0.01).max(300).optional(),
  })
  .strict();

/** Blue-green: how long the old slot finishes its requests, and how long it is kept as the instant rollback target. */
export const BlueGreen = z
  .object({
    /** Seconds requests in flight on the old slot may take to finish after the switch (default 30). */
    drainTimeout: z.number().min(0).max(600).optional(),
    /** Seconds after the switch the old slot is stopped; false/null (default) = it runs until the next deployment replaces it. */
    stopOldSlotAfter: z.union([z.number().int().min(0).max(30 * 86400), z.literal(false), z.null()]).optional(),
  })
  .strict();

/**
 * Canary by weight on the traffic proxy: each step's share of clients is held for analysis windows
 * until the canary is judged against the baseline over the same window (rollout/analysis.ts).
 */
export const Canary = z
  .object({
    /** Percent of clients on the canary per step, increasing, the last 100 (the promotion). */
    steps: z
      .array(z.number().gt(0, 'a canary weight must be above 0').max(100, 'a canary weight is a percent, at most 100').multipleOf(0.01, 'a canary weight has at most two decimals'))
      .min(1)
      .max(20)
      .refine((w) => w.every((x, i) => i === 0 || x > (w[i - 1] ?? 0)), 'canary steps must increase (e.g. [5, 25, 50, 100])')
      .refine((w) => w.at(-1) === 100, 'canary steps must end at 100 (the promotion)')
      .optional(),
    /** Seconds of traffic one analysis reads (default 60). */
    window: z.number().min(0.2).max(3600).optional(),
    /** Requests each of canary and baseline must have in a window before it is judged (default 100). */
    minRequests: z.number().int().min(1).max(10_000_000).optional(),
    /** Percentage points the canary's error rate (5xx + connection errors) may exceed the baseline's (default 1). */
    maxErrorRateIncrease: z.number().min(0).max(100).optional(),
    /** How many times the baseline's p99 latency the canary's may be (default 1.5). */
    maxP99Ratio: z.number().min(1).max(100).optional(),
    /** p99 differences below this many ms are never a failure (sub-millisecond noise on a fast app; default 5). */
    latencyTolerance: z.number().min(0).max(60_000).optional(),
    /** Windows without enough requests before the canary pauses for a person to promote or abort (default 10). */
    inconclusiveWindows: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

const stageKeys = <T extends z.ZodType>(value: T) =>
  z.object(Object.fromEntries(STAGES.map((s) => [s, value.optional()])) as Record<StageName, z.ZodOptional<T>>).strict();
const commandKeys = <T extends z.ZodType>(value: T) =>
  Object.fromEntries(COMMAND_STAGES.map((s) => [s, value.optional()])) as Record<CommandStage, z.ZodOptional<T>>;

const settingsShape = {
  preset: z.enum(['node', 'laravel', 'static', 'custom']).optional(),
  strategy: z.enum(['in-place', 'blue-green', 'canary']).optional(),
  canary: Canary.optional(),
  /** How the app process is started by the agent's supervisor (PORT is set); `false` = no supervised process. */
  start: z.union([Command, z.literal(false), z.null()]).optional(),
  ...commandKeys(StageCommands),
  /** Undoes the last migration on rollback, when the rollback asks for it (e.g. `php artisan migrate:rollback --force`). */
  downMigrate: z.union([Command, z.literal(false), z.null()]).optional(),
  hooks: stageKeys(Hooks).optional(),
  /** The php-fpm service the laravel preset reloads after the switch (Debian/Ubuntu: `php8.2-fpm`; default `php-fpm`). */
  phpFpmService: z.string().regex(/^[A-Za-z0-9@._-]+$/, 'a systemd unit name').max(255).optional(),
  /** Paths kept across releases in `shared/` and linked into each release. */
  sharedPaths: z.array(RelPath).max(100).optional(),
  /** Name of the env file written from the environment's variables; `false` = none. */
  envFile: z.union([z.string().regex(/^[A-Za-z0-9._-]+$/, 'a file name'), z.literal(false), z.null()]).optional(),
  healthcheck: z.union([Healthcheck, z.literal(false)]).optional(),
  blueGreen: BlueGreen.optional(),
  keepReleases: z.number().int().min(1).max(100).optional(),
  /** Seconds per step, per stage. */
  timeouts: stageKeys(z.number().int().min(1).max(24 * 3600)).optional(),
};

export const PipelineSettings = z.object(settingsShape).strict();
export type PipelineSettings = z.infer<typeof PipelineSettings>;
export type Preset = NonNullable<PipelineSettings['preset']>;
export type Strategy = NonNullable<PipelineSettings['strategy']>;

/** Strategies that start each release on the idle blue/green slot behind the traffic proxy. */
export const usesSlots = (strategy: Strategy | null | undefined): boolean => strategy === 'blue-green' || strategy === 'canary';

/** devflow.yml: the same settings, plus per-environment sections applied over them. */
export const DevflowConfig = z
  .object({
    ...settingsShape,
    environments: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'an environment name'), PipelineSettings).optional(),
  })
  .strict();
export type DevflowConfig = z.infer<typeof DevflowConfig>;

/** Settings of one layer for one environment (devflow.yml's environment section over its top level). */
export function settingsFor(config: DevflowConfig, environment: string): PipelineSettings {
  const { environments, ...top } = config;
  const specific = environments?.[environment];
  return specific ? mergeSettings(top, specific) : top;
}

/** `over` wins field by field; hooks, timeouts and healthcheck merge one level deeper. */
export function mergeSettings(base: PipelineSettings, over: PipelineSettings): PipelineSettings {
  const merged: PipelineSettings = { ...base };
  for (const [key, value] of Object.entries(over) as [keyof PipelineSettings, unknown][]) {
    if (value === undefined) continue;
    (merged as Record<string, unknown>)[key] = value;
  }
  if (base.hooks && over.hooks) {
    const hooks: NonNullable<PipelineSettings['hooks']> = { ...base.hooks };
    for (const stage of STAGES) {
      const o = over.hooks[stage];
      if (o) hooks[stage] = { ...base.hooks[stage], ...definedOnly(o) };
    }
    merged.hooks = hooks;
  }
  if (base.timeouts && over.timeouts) merged.timeouts = { ...base.timeouts, ...definedOnly(over.timeouts) };
  if (base.healthcheck && over.healthcheck) merged.healthcheck = { ...base.healthcheck, ...definedOnly(over.healthcheck) };
  if (base.canary && over.canary) merged.canary = { ...base.canary, ...definedOnly(over.canary) };
  if (base.blueGreen && over.blueGreen) merged.blueGreen = { ...base.blueGreen, ...definedOnly(over.blueGreen) };
  return merged;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
