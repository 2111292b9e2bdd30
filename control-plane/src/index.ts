/** Library entry (dist/index.js): start a control plane in-process (tests, benchmarks, fixtures). */
export { loadConfig, ConfigError, type Config } from './config.js';
export { startControlPlane, type ControlPlane, type StartOptions } from './start.js';
export type { Services } from './services.js';
export { AppError, type ErrorCode } from './errors.js';
export { createLogger, type Logger } from './logger.js';
