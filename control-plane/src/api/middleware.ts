import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import { AppError } from '../errors.js';
import { SESSION_COOKIE, type SessionService } from '../auth/sessions.js';
import type { ApiTokenService } from '../auth/api-tokens.js';
import type { Role } from '../auth/users.js';
import { allows, rolesFor, type Action } from '../auth/actions.js';
import type { AppEnv } from './env.js';
import type { ClientAddressResolver } from './client-address.js';
import { setSessionCookie } from './cookies.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Identify the caller from `Authorization: Bearer <api token>` or the session cookie, and
 * set `user` / `authMethod`. Never rejects by itself: `requireAuth`/`requireRole` do.
 * A bad bearer token is rejected at once, so a CI job with a revoked token fails loudly.
 */
export function authenticate(sessions: SessionService, tokens: ApiTokenService, secureCookies: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const user = m?.[1] ? await tokens.resolve(m[1]) : null;
      if (!user) throw new AppError('UNAUTHENTICATED', 'the API token is unknown, expired or revoked');
      c.set('user', user);
      c.set('authMethod', 'token');
      return next();
    }
    const sid = getCookie(c, SESSION_COOKIE);
    if (sid) {
      const session = await sessions.resolve(sid);
      if (session) {
        c.set('user', session.user);
        c.set('authMethod', 'session');
        if (session.refreshed) setSessionCookie(c, sid, session.expiresAt, secureCookies);
      }
    }
    return next();
  };
}

/**
 * CSRF for cookie sessions: a mutating request must carry `X-DevFlow-CSRF: 1` (a custom
 * header a cross-site form cannot set) or an `Origin` equal to the configured public URL's (never
 * the Host header's, which the caller chooses). Bearer tokens are exempt,
 * since a browser never attaches them on its own.
 */
export function csrf(publicUrl: string): MiddlewareHandler<AppEnv> {
  const ours = new URL(publicUrl).origin;
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || c.get('authMethod') === 'token') return next();
    const cookieSession = c.get('authMethod') === 'session' || c.req.path === '/api/auth/login';
    if (!cookieSession) return next();
    if (c.req.header('x-devflow-csrf') === '1') return next();
    const origin = c.req.header('origin');
    // Only the configured public URL counts: the Host header (hence c.req.url) is the caller's to set.
    if (origin === ours) return next();
    throw new AppError('CSRF_REJECTED', 'cross-site request refused: send the header "X-DevFlow-CSRF: 1" or a same-origin Origin');
  };
}

export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('user')) throw new AppError('UNAUTHENTICATED', 'log in (POST /api/auth/login) or send an API token as "Authorization: Bearer <token>"');
  return next();
};

/** Allow the listed roles; admins always pass. */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get('user');
    if (!user) throw new AppError('UNAUTHENTICATED', 'log in or send an API token');
    if (user.role !== 'admin' && !roles.includes(user.role)) {
      throw new AppError('FORBIDDEN', `this needs one of the roles: admin, ${roles.join(', ')} (you are ${user.role})`, { required: ['admin', ...roles] });
    }
    return next();
  };
}

/** Allow the roles auth/actions.ts lists for `action` (admins always). */
export function requireAction(action: Action): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get('user');
    if (!user) throw new AppError('UNAUTHENTICATED', 'log in or send an API token');
    if (!allows(user.role, action)) throw new AppError('FORBIDDEN', `this needs one of the roles: ${rolesFor(action)} (you are ${user.role})`, { required: rolesFor(action).split(', ') });
    return next();
  };
}

/** The authenticated user; only call behind requireAuth/requireRole. */
export function currentUser(c: Context<AppEnv>) {
  const user = c.get('user');
  if (!user) throw new AppError('UNAUTHENTICATED', 'log in or send an API token');
  return user;
}

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/** Works out who is calling (see ClientAddressResolver) once per request, for rate limits and access checks. */
export function identifyClient(resolver: ClientAddressResolver): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let peer: string | undefined;
    try {
      peer = getConnInfo(c).remote.address;
    } catch {
      // In-process requests (app.request in tests) have no socket.
    }
    const forwarded = FORWARDING_HEADERS.some((h) => c.req.header(h) !== undefined);
    const trustedPeer = peer !== undefined && resolver.isTrusted(peer);
    c.set('client', {
      address: resolver.resolve(peer, c.req.header('x-forwarded-for')),
      untrustedForwarding: forwarded && !trustedPeer,
    });
    return next();
  };
}

/** Client address for rate limiting; in-process requests (tests) have none. */
export function clientIp(c: Context<AppEnv>): string {
  return c.get('client')?.address ?? 'unknown';
}
