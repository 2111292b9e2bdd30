import { AppError } from '../errors.js';
import type { PlanEnvironment } from './plan-types.js';
import type { ResolvedPipeline } from './resolve.js';
import { usesSlots } from './settings.js';
import { commandName } from './steps.js';

/** Settings that cannot work together are refused before anything runs. */
export function checkPipeline(p: ResolvedPipeline, env: PlanEnvironment): void {
  const fail = (field: string, message: string) => {
    throw new AppError('VALIDATION_FAILED', `environment "${env.name}": ${message}`, { field });
  };
  if (p.hooks.fetch.before.length > 0) fail('hooks.fetch.before', 'hooks.fetch.before cannot run: the release directory does not exist before fetch; use hooks.fetch.after');
  if (usesSlots(p.strategy)) {
    if (!p.start) fail('start', `${p.strategy} needs a start command (the app is started on the idle slot)`);
    if (env.port === null) fail('port', `${p.strategy} needs a port for the traffic proxy`);
    if (!env.slotPorts) fail('slotPorts', `${p.strategy} needs the blue and green slot ports`);
  } else if (p.start && p.commands.restart.length === 0 && env.port === null) {
    fail('port', `the app is started with "${commandName(p.start)}" but the environment has no port`);
  }
}
