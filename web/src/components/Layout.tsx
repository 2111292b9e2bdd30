import type { ReactNode } from 'react';
import { errorMessage } from '../api/client.js';
import { auth } from '../api/endpoints.js';
import { useSession } from '../hooks/session.js';
import { Link, navigate, useLocation } from '../router/router.js';

const NAV: Array<{ to: string; label: string; match: (path: string) => boolean }> = [
  { to: '/', label: 'Dashboard', match: (p) => p === '/' },
  { to: '/projects', label: 'Projects', match: (p) => p.startsWith('/projects') },
  { to: '/deployments', label: 'History', match: (p) => p.startsWith('/deployments') },
  { to: '/queue', label: 'Queue', match: (p) => p.startsWith('/queue') },
  { to: '/approvals', label: 'Approvals', match: (p) => p.startsWith('/approvals') },
  { to: '/servers', label: 'Servers', match: (p) => p.startsWith('/servers') },
  { to: '/insights', label: 'Metrics', match: (p) => p.startsWith('/insights') },
  { to: '/settings/access', label: 'Access', match: (p) => p.startsWith('/settings') },
];

/** The frame around every signed-in page: brand, navigation, who is signed in. */
export function Layout({ children }: { children: ReactNode }) {
  const { user, setUser } = useSession();
  const { path } = useLocation();
  const signOut = async () => {
    try {
      await auth.logout();
    } catch (error) {
      // The session may already be gone; signing out locally is still right, but say why.
      console.warn('logout:', errorMessage(error));
    }
    navigate('/login', { replace: true });
    setUser(null);
  };
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true" /> DevFlow
        </Link>
        <nav className="nav" aria-label="Main">
          {NAV.map((item) => (
            <Link key={item.to} to={item.to} className={item.match(path) ? 'nav-link active' : 'nav-link'} aria-current={item.match(path) ? 'page' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="user">
          <span className="user-email" title={`${user.email} (${user.role})`}>
            {user.email}
          </span>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
