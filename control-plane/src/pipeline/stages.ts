/** The stages of a deployment, in order (DESIGN.md "Pipeline"). */
export const STAGES = ['fetch', 'link', 'install', 'build', 'migrate', 'activate', 'cache', 'restart', 'healthcheck', 'cleanup'] as const;
export type StageName = (typeof STAGES)[number];

/** Stages whose main commands a preset, the console or devflow.yml can set. */
export const COMMAND_STAGES = ['install', 'build', 'migrate', 'cache', 'restart'] as const;
export type CommandStage = (typeof COMMAND_STAGES)[number];

/** Default timeout per step of each stage, in seconds (overridable per environment and in devflow.yml). */
export const DEFAULT_STAGE_TIMEOUTS_S: Readonly<Record<StageName, number>> = Object.freeze({
  fetch: 300,
  link: 120,
  install: 900,
  build: 900,
  migrate: 600,
  activate: 120,
  cache: 300,
  restart: 120,
  healthcheck: 120,
  cleanup: 300,
});

export const DEFAULT_KEEP_RELEASES = 10;
export const DEFAULT_HEALTHCHECK_PATH = '/up';
