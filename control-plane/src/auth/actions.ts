import type { Role } from './users.js';

/**
 * Privileged actions beyond a route's own role, each with the roles that may do it (admins may do
 * everything). One table, so the per-project policy (issue 14) can take these rows over as they are.
 */
export const ACTION_ROLES = {
  /** Deploy or roll back over a deploy lock: the roles that may remove the lock. */
  'environment.lock.override': ['maintainer'],
  /** Mark a release that never went live (or failed) as a rollback target. */
  'release.mark': ['maintainer'],
  /** Disable, delete, re-role users, reset passwords, see and revoke anyone's tokens. */
  'user.manage': [],
  /** Read and export the audit log (it names every user and what they did). */
  'audit.read': [],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof ACTION_ROLES;

export function allows(role: Role | undefined, action: Action): boolean {
  if (!role) return false;
  return role === 'admin' || (ACTION_ROLES[action] as readonly Role[]).includes(role);
}

/** "admin, maintainer": who may, for error messages. */
export const rolesFor = (action: Action): string => ['admin', ...ACTION_ROLES[action]].join(', ');
