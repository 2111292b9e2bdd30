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

const stageKeys = <T extends z.ZodType>(value: T) =>
  z.object(Object.fromEntries(STAGES.map((s) => [s, value.optional()])) as Record<StageName, z.ZodOptional<T>>).strict();
const commandKeys = <T extends z.ZodType>(value: T) =>
  Object.fromEntries(COMMAND_STAGES.map((s) => [s, value.optional()])) as Record<CommandStage, z.ZodOptional<T>>;

const settingsShape = {
  preset: z.enum(['node', 'laravel', 'static', 'custom']).optional(),
  strategy: z.enum(['in-place', 'blue-green']).optional(),
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
  if (base.blueGreen && over.blueGreen) merged.blueGreen = { ...base.blueGreen, ...definedOnly(over.blueGreen) };
  return merged;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
