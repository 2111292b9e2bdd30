import type { NotificationEvent } from './events.js';
import type { Rule } from './types.js';

/** The first rule of a notification that wants this event from this environment (no environments = all). */
export function matchRule(rules: readonly Rule[], event: NotificationEvent, environment: string): Rule | null {
  return rules.find((r) => r.events.includes(event) && (r.environments.length === 0 || r.environments.includes(environment))) ?? null;
}
