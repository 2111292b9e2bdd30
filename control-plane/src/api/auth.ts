import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import { SESSION_COOKIE } from '../auth/sessions.js';
import type { Services } from '../services.js';
import { clearSessionCookie, setSessionCookie } from './cookies.js';
import { readJson, type AppEnv } from './env.js';
import { clientIp, currentUser, requireAuth } from './middleware.js';

const Login = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) });

/** /api/auth: login (session cookie), logout, me. */
export function authApi(s: Services) {
  const secure = s.publicUrl.startsWith('https://');
  return new Hono<AppEnv>()
    .post('/login', async (c) => {
      const { email, password } = await readJson(c, Login);
      const { user, sessionId, expiresAt } = await s.login.login(email, password, clientIp(c));
      setSessionCookie(c, sessionId, expiresAt, secure);
      return c.json({ user });
    })
    .post('/logout', async (c) => {
      const sid = getCookie(c, SESSION_COOKIE);
      if (sid) await s.sessions.destroy(sid);
      clearSessionCookie(c, secure);
      return c.json({ ok: true });
    })
    .get('/me', requireAuth, (c) => c.json({ user: currentUser(c), authMethod: c.get('authMethod') }));
}
