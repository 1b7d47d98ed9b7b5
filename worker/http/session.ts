// Authentication and role guards: withOrganization loads the caller's org-scoped context,
// withAgent / withAdmin / withOwner additionally require a minimum role.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { resolveSession } from '../auth/sessions';
import type { Role } from '../db/schema';
import { ForbiddenError, UnauthorizedError } from '../lib/errors';
import type { AppEnv } from './context';

export const SESSION_COOKIE = 'hs_session';

const RANK: Record<Role, number> = { VIEWER: 0, AGENT: 1, ADMIN: 2, OWNER: 3 };

function hasRole(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

function isLocalhost(url: string): boolean {
  const { hostname } = new URL(url);
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

export function setSessionCookie(c: Context<AppEnv>, token: string, expires: Date): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: !isLocalhost(c.req.url),
    sameSite: 'Lax',
    path: '/',
    expires,
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: !isLocalhost(c.req.url) });
}

export function sessionToken(c: Context<AppEnv>): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

/**
 * Any active member of an organisation (the seed's withOrganization). Several routers share a prefix, so a
 * request may pass this guard more than once: the session is resolved only the first time.
 */
export const withOrganization = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('auth')) return next();
  const token = sessionToken(c);
  const auth = token ? await resolveSession(c.var.db, c.env.SESSION_SECRET, token) : null;
  if (!auth) throw new UnauthorizedError();
  c.set('auth', auth);
  await next();
});

export function requireRole(minimum: Role) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!hasRole(c.var.auth.role, minimum)) {
      throw new ForbiddenError(`This action requires the ${minimum} role or higher`);
    }
    await next();
  });
}

export const withAgent = requireRole('AGENT');
export const withAdmin = requireRole('ADMIN');
export const withOwner = requireRole('OWNER');
