import type { Role } from '../api/env.js';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import type { Environment } from '../environments/types.js';
import { previousFailure, previousFailureMessage } from '../environments/previous-failure.js';
import type { DeployOptions, Trigger } from './types.js';

/** A rule that stops an automatic deployment: recorded `skipped` with the reason and what blocked it. */
export interface Blocked {
  reason: string;
  blockedBy: string;
}

/** A freeze window covering the environment now (freeze/); null when none does. */
export type FreezeLookup = (env: Environment, at: number) => Promise<{ id: string; reason: string; until: number } | null>;

export interface RuleContext {
  env: Environment;
  trigger: Trigger;
  input: DeployOptions;
  /** The requesting person's role (manual and api requests). */
  role: Role | undefined;
}

/**
 * The deployment rules a request passes before it is queued: "only if the previous deployment
 * succeeded" and freeze windows. An automatic request (webhook, schedule) that breaks one is
 * skipped; a person's request is refused with what to do (force; for a freeze an admin's force
 * with a reason). Returns the rules force overrode, for the audit record.
 */
export async function checkRules(db: Db, frozen: FreezeLookup, ctx: RuleContext, now = Date.now()): Promise<{ blocked: Blocked } | { overrode: string[] }> {
  const { env, input } = ctx;
  const byPerson = ctx.trigger === 'manual' || ctx.trigger === 'api';
  const overrode: string[] = [];

  const freeze = await frozen(env, now);
  if (freeze) {
    const why = `deployments to "${env.name}" are frozen until ${new Date(freeze.until).toISOString()} (freeze window ${freeze.id}): ${freeze.reason}`;
    if (!byPerson) return { blocked: { reason: why, blockedBy: freeze.id } };
    if (!input.force) throw new AppError('CONFLICT', `${why}; an admin can deploy with force and a reason`, { freeze: freeze.id, rule: 'freeze' });
    if (ctx.role !== 'admin') throw new AppError('FORBIDDEN', `${why}; only an admin can force a deployment inside a freeze window`, { freeze: freeze.id, rule: 'freeze' });
    if (!input.forceReason) throw new AppError('VALIDATION_FAILED', 'forceReason: say why the freeze window is overridden', { field: 'forceReason' });
    overrode.push(`freeze:${freeze.id}`);
  }

  if (env.requirePreviousSuccess) {
    const failed = await previousFailure(db, env.id);
    if (failed) {
      const why = previousFailureMessage(env.name, failed);
      if (!byPerson) return { blocked: { reason: why, blockedBy: failed.deploymentId } };
      if (!input.force) throw new AppError('CONFLICT', `${why}; deploy with force to deploy anyway`, { previousFailure: failed, rule: 'previous-succeeded' });
      overrode.push(`previous-failed:${failed.deploymentId}`);
    }
  }
  return { overrode };
}
