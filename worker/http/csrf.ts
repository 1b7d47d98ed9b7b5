// CSRF guard for cookie-authenticated requests with unsafe methods. SameSite=Lax already keeps the cookie
// off cross-site POSTs; this also refuses any browser request whose Origin (or Sec-Fetch-Site) says it
// came from another site. Requests with neither header come from non-browser clients and carry no
// ambient credentials, so they pass.
import { createMiddleware } from 'hono/factory';
import { ForbiddenError } from '../lib/errors';
import type { AppEnv } from './context';
import { SESSION_COOKIE } from './session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const csrfGuard = createMiddleware<AppEnv>(async (c, next) => {
  const cookie = c.req.header('cookie');
  if (SAFE_METHODS.has(c.req.method) || !cookie?.includes(`${SESSION_COOKIE}=`)) return next();
  const allowed = new Set([new URL(c.req.url).origin]);
  if (c.env.APP_ORIGIN) allowed.add(new URL(c.env.APP_ORIGIN).origin);
  const origin = c.req.header('origin');
  if (origin !== undefined && !allowed.has(origin)) {
    throw new ForbiddenError('Cross-site request refused');
  }
  if (origin === undefined && c.req.header('sec-fetch-site') === 'cross-site') {
    throw new ForbiddenError('Cross-site request refused');
  }
  await next();
});
