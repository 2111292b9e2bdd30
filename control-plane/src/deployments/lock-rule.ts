import { allows, rolesFor } from '../auth/actions.js';
import type { Role } from '../auth/users.js';
import { AppError } from '../errors.js';
import type { Environment, EnvironmentLock } from '../environments/types.js';

export interface LockContext {
  /** A person asked (manual, api): refused with what to do. Otherwise the request is skipped. */
  byPerson: boolean;
  force: boolean | undefined;
  forceReason: string | undefined;
  role: Role | undefined;
  /** "deploy" or "roll back", for the messages. */
  verb: string;
}

/**
 * The deploy lock, for deployments and rollbacks alike. Overriding it takes force, the role that
 * may remove the lock (maintainer or admin) and a reason. Returns the lock that was overridden
 * (for the audit record and the log line), or `skip` with the reason for an automatic request.
 */
export function checkLock(env: Environment, ctx: LockContext): { skip: string } | { overrode: EnvironmentLock | null } {
  const lock = env.lock;
  if (!lock) return { overrode: null };
  const why = `environment "${env.name}" is locked by ${lock.byEmail ?? lock.by} since ${new Date(lock.since).toISOString()}: ${lock.reason}`;
  if (!ctx.byPerson) return { skip: why };
  if (!ctx.force) throw new AppError('CONFLICT', `${why}; ${ctx.verb} with force and a reason to override (${rolesFor('environment.lock.override')})`, { lock, rule: 'lock' });
  if (!allows(ctx.role, 'environment.lock.override')) {
    throw new AppError('FORBIDDEN', `${why}; overriding a deploy lock needs one of the roles ${rolesFor('environment.lock.override')} (you are ${ctx.role ?? 'not a user'}): ask ${lock.byEmail ?? lock.by} to unlock it`, { lock, rule: 'lock', required: ['admin', 'maintainer'] });
  }
  if (!ctx.forceReason) throw new AppError('VALIDATION_FAILED', `forceReason: say why you override the lock of ${lock.byEmail ?? lock.by} ("${lock.reason}")`, { field: 'forceReason', rule: 'lock' });
  return { overrode: lock };
}

/** The deployment log line naming who overrode whose lock. */
export const lockOverrideLine = (by: string, lock: EnvironmentLock, reason: string): string =>
  `deploy lock overridden: ${by} overrode the lock of ${lock.byEmail ?? lock.by} (since ${new Date(lock.since).toISOString()}: "${lock.reason}"); reason: ${reason}`;
