import { createContext, useContext } from 'react';
import type { User } from '../api/types.js';

/** The signed-in user, provided once by the app shell. */
export const SessionContext = createContext<{ user: User; setUser: (user: User | null) => void } | null>(null);

export function useSession(): { user: User; setUser: (user: User | null) => void } {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside of a signed-in page');
  return session;
}

export function isAdmin(user: User): boolean {
  return user.role === 'admin';
}

/** Roles that may start deployments and rollbacks. */
export function canDeploy(user: User): boolean {
  return user.role === 'admin' || user.role === 'maintainer' || user.role === 'deployer';
}

export function canManage(user: User): boolean {
  return user.role === 'admin' || user.role === 'maintainer';
}

/** Roles that may approve or reject a deployment waiting for approval (never their own request). */
export function canApprove(user: User): boolean {
  return user.role === 'admin' || user.role === 'maintainer' || user.role === 'approver';
}
