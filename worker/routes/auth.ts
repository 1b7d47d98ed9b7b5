// /api/auth: sign up, log in, log out, and who am I.
import { Hono } from 'hono';
import { z } from 'zod';
import { logIn, publicUser, signUp } from '../auth/accounts';
import { createSession, resolveSession, revokeSession } from '../auth/sessions';
import type { Organization, Role } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { clientIp, enforceRateLimit } from '../http/rate-limit';
import { clearSessionCookie, sessionToken, setSessionCookie, withOrganization } from '../http/session';
import { validate } from '../http/validate';

export const emailSchema = z.email('Enter a valid email address').max(254).trim();
export const passwordSchema = z
  .string()
  .min(8, 'Password must be at least 8 characters')
  .max(200, 'Password must be at most 200 characters');
export const nameSchema = z.string().trim().min(1, 'Name is required').max(100);

const signUpSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  name: nameSchema,
  organizationName: z.string().trim().min(1, 'Organization name is required').max(100),
});

const logInSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, 'Password is required').max(200),
});

export function publicOrganization(org: Organization) {
  return { id: org.id, name: org.name, plan: org.plan, tokenBalance: org.tokenBalance, createdAt: org.createdAt };
}

function account(user: { id: string; email: string; name: string }, organization: Organization, role: Role) {
  return { user: publicUser(user), organization: publicOrganization(organization), role };
}

export const authRoutes = new Hono<AppEnv>()
  .post('/signup', validate('json', signUpSchema), async (c) => {
    await enforceRateLimit(c.env.LOGIN_LIMITER, `signup:${clientIp(c.req.raw.headers)}`);
    const { user, organization, membership } = await signUp(
      c.var.db,
      c.req.valid('json'),
      Number(c.env.FREE_PLAN_TOKENS),
    );
    const session = await createSession(c.var.db, c.env.SESSION_SECRET, {
      userId: user.id,
      organizationId: organization.id,
      userAgent: c.req.header('user-agent'),
    });
    setSessionCookie(c, session.token, session.expiresAt);
    return ok(c, account(user, organization, membership.role), 201);
  })
  .post('/login', validate('json', logInSchema), async (c) => {
    const input = c.req.valid('json');
    await enforceRateLimit(c.env.LOGIN_LIMITER, `login:${clientIp(c.req.raw.headers)}:${input.email.toLowerCase()}`);
    const { user, organization, membership } = await logIn(c.var.db, input);
    const session = await createSession(c.var.db, c.env.SESSION_SECRET, {
      userId: user.id,
      organizationId: organization.id,
      userAgent: c.req.header('user-agent'),
    });
    setSessionCookie(c, session.token, session.expiresAt);
    return ok(c, account(user, organization, membership.role));
  })
  .post('/logout', async (c) => {
    const token = sessionToken(c);
    const auth = token ? await resolveSession(c.var.db, c.env.SESSION_SECRET, token) : null;
    if (auth) await revokeSession(c.var.db, auth.sessionId);
    clearSessionCookie(c);
    return ok(c, { loggedOut: true });
  })
  .get('/me', withOrganization, (c) => {
    const { user, organization, role } = c.var.auth;
    return ok(c, account(user, organization, role));
  });
