import { useEffect, useState } from 'react';
import { ApiError } from './api/client.js';
import { auth } from './api/endpoints.js';
import type { User } from './api/types.js';
import { ErrorBox, Loading } from './components/ui.js';
import { Layout } from './components/Layout.js';
import { SessionContext } from './hooks/session.js';
import { LoginPage } from './pages/LoginPage.js';
import { navigate, useLocation } from './router/router.js';
import { Routes } from './Routes.js';

/**
 * Boot: ask who we are; signed out → the login page (remembering where the user wanted to
 * go), signed in → the console. A 401 anywhere later lands back here through the API client.
 */
export function App() {
  const location = useLocation();
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [bootError, setBootError] = useState<unknown>(null);

  const check = () => {
    setBootError(null);
    auth.me().then(setUser, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) setUser(null);
      else setBootError(error);
    });
  };
  useEffect(check, []);

  // A 401 from any call navigates to /login: drop the session we thought we had.
  useEffect(() => {
    if (location.path === '/login' && user) setUser(null);
  }, [location.path, user]);

  const mustLogIn = user === null && location.path !== '/login';
  useEffect(() => {
    if (mustLogIn) navigate(`/login?next=${encodeURIComponent(location.href)}`, { replace: true });
  }, [mustLogIn, location.href]);

  if (bootError) return <div className="boot"><ErrorBox error={bootError} retry={check} /></div>;
  if (user === undefined) return <div className="boot"><Loading what="DevFlow" /></div>;
  if (mustLogIn) return null;
  if (user === null || location.path === '/login') return <LoginPage onLogin={(u) => setUser(u)} />;
  return (
    <SessionContext.Provider value={{ user, setUser }}>
      <Layout>
        <Routes />
      </Layout>
    </SessionContext.Provider>
  );
}
