// /api/auth: sign up, log in, log out, who am I, the member's profile and password, and "forgot password".
import { Hono } from 'hono';
import { z } from 'zod';
import { logIn, publicUser, requestSignUp } from '../auth/accounts';
import { requestPasswordReset, resetPassword } from '../auth/password-reset';
import { changePassword, updateProfile } from '../auth/profile';
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

const profileSchema = z.object({ name: nameSchema });
const passwordChangeSchema = z.object({
  currentPassword: z.string().min(1, 'Current password is required').max(200),
  newPassword: passwordSchema,
});
const forgotSchema = z.object({ email: emailSchema });
const resetSchema = z.object({
  token: z.string().min(1, 'The reset link is incomplete').max(100, 'The reset link is invalid'),
  password: passwordSchema,
});

export function publicOrganization(org: Organization) {
  return { id: org.id, name: org.name, plan: org.plan, tokenBalance: org.tokenBalance, createdAt: org.createdAt };
}

function account(user: { id: string; email: string; name: string }, organization: Organization, role: Role) {
  return { user: publicUser(user), organization: publicOrganization(organization), role };
}

export const authRoutes = new Hono<AppEnv>()
  // The answer is the same whether or not the email already has an account, and carries no session:
  // the new owner logs in next (the dashboard does it at once), so sign-up cannot be used to find accounts.
  .post('/signup', validate('json', signUpSchema), async (c) => {
    await enforceRateLimit(c.env.LOGIN_LIMITER, `signup:${clientIp(c.req.raw.headers)}`);
    const input = c.req.valid('json');
    const origin = c.env.APP_ORIGIN ?? new URL(c.req.url).origin;
    await requestSignUp(c.env, c.var.db, input, Number(c.env.FREE_PLAN_TOKENS), origin);
    return ok(
      c,
      {
        email: input.email.toLowerCase(),
        message:
          'If this email is new, your account is ready: log in to continue. If it already has an account, we have emailed its owner.',
      },
      201,
    );
  })
  // Two limits: per IP and email (the binding), and per email across all IPs with back-off (in logIn).
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
  })
  .patch('/profile', withOrganization, validate('json', profileSchema), async (c) =>
    ok(c, { user: publicUser(await updateProfile(c.var.db, c.var.auth.user.id, c.req.valid('json'))) }),
  )
  .post('/password', withOrganization, validate('json', passwordChangeSchema), async (c) => {
    await enforceRateLimit(c.env.LOGIN_LIMITER, `password:${c.var.auth.user.id}`);
    const auth = { userId: c.var.auth.user.id, sessionId: c.var.auth.sessionId };
    return ok(c, await changePassword(c.var.db, auth, c.req.valid('json')));
  })
  // The same answer whether or not the address has an account (no enumeration); limited per IP and address.
  .post('/forgot-password', validate('json', forgotSchema), async (c) => {
    const { email } = c.req.valid('json');
    await enforceRateLimit(c.env.LOGIN_LIMITER, `forgot:${clientIp(c.req.raw.headers)}`);
    const origin = c.env.APP_ORIGIN ?? new URL(c.req.url).origin;
    await requestPasswordReset(c.env, c.var.db, email, origin);
    return ok(c, {
      message: 'If this address has an account, we have emailed it a link to choose a new password.',
    });
  })
  .post('/reset-password', validate('json', resetSchema), async (c) => {
    await enforceRateLimit(c.env.LOGIN_LIMITER, `reset:${clientIp(c.req.raw.headers)}`);
    const { token, password } = c.req.valid('json');
    await resetPassword(c.var.db, token, password);
    return ok(c, { message: 'Your password is changed: log in with it.' });
  });
