export * from './plan.js';
export { planRollback, type RollbackPlanInput, type RollbackServer } from './rollback.js';
export { parseDevflowYml, PipelineConfigError, DEVFLOW_YML, type ConfigProblem } from './devflow-yml.js';
export { inspectCommit, type CommitInspection } from './inspect.js';
export { PipelineSettings, DevflowConfig, type Command, type Preset, type Strategy } from './settings.js';
export { resolvePipeline, type ResolvedPipeline } from './resolve.js';
export { COMMAND_STAGES, DEFAULT_STAGE_TIMEOUTS_S, DEFAULT_KEEP_RELEASES, DEFAULT_HEALTHCHECK_PATH } from './stages.js';
export type { RepoFacts } from './presets.js';
export { renderEnvFile } from './dotenv.js';
