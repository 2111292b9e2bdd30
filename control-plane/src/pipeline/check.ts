import { AppError } from '../errors.js';
import type { PlanEnvironment } from './plan-types.js';
import type { ResolvedPipeline } from './resolve.js';
import { commandName } from './steps.js';

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
