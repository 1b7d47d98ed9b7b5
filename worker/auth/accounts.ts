// Sign-up and log-in: a new user owns a new organisation; a returning user logs into their latest org.
import { and, desc, eq, gt } from 'drizzle-orm';
import { creditTokens } from '../billing/tokens';
import type { Db } from '../db/client';
import { memberships, organizations, outboundEmails, users } from '../db/schema';
import type { AppBindings } from '../env';
import { ConflictError, ForbiddenError, UnauthorizedError } from '../lib/errors';
import { hashPassword, verifyPassword } from '../lib/password';
import { sendMail } from '../notifications/mailer';
import { clearLoginAttempts, countLoginAttempt } from './login-throttle';

export interface SignUpInput {
  email: string;
  password: string;
  name: string;
  organizationName: string;
}

/** Creates the user and their organisation; ConflictError when the email already has an account. */
export async function signUp(db: Db, input: SignUpInput, freePlanTokens: number) {
  const email = input.email.toLowerCase();
  const existing = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  if (existing.length) throw new ConflictError('An account with this email already exists');
  const userId = crypto.randomUUID();
  const organizationId = crypto.randomUUID();
  const passwordHash = await hashPassword(input.password);
  const [[user], [organization], [membership]] = await db.batch([
    db.insert(users).values({ id: userId, email, name: input.name, passwordHash }).returning(),
    db.insert(organizations).values({ id: organizationId, name: input.organizationName }).returning(),
    db.insert(memberships).values({ organizationId, userId, role: 'OWNER', lastLoginAt: new Date() }).returning(),
  ]);
  const tokenBalance = await creditTokens(db, { organizationId, amount: freePlanTokens, reason: 'PLAN_GRANT' });
  return { user: user!, organization: { ...organization!, tokenBalance }, membership: membership! };
}

const SIGN_UP_ATTEMPT_SUBJECT = 'Someone tried to sign up to HelpStack with your email';
const SIGN_UP_ATTEMPT_MAIL_EVERY_MS = 60 * 60 * 1000;

/** At most one "someone tried to sign up" mail an hour per address, so sign-up cannot flood an inbox. */
async function mailedRecently(db: Db, to: string, subject: string): Promise<boolean> {
  const since = new Date(Date.now() - SIGN_UP_ATTEMPT_MAIL_EVERY_MS);
  const [row] = await db
    .select({ id: outboundEmails.id })
    .from(outboundEmails)
    .where(and(eq(outboundEmails.to, to), gt(outboundEmails.createdAt, since), eq(outboundEmails.subject, subject)))
    .limit(1);
  return Boolean(row);
}

function isUniqueViolation(error: unknown): boolean {
  return /UNIQUE constraint failed: users\.email/.test(String((error as { cause?: unknown })?.cause ?? error));
}

/**
 * Public sign-up that never reveals whether an email is registered: the caller learns nothing from the
 * outcome (no session either way; the new owner logs in next). A new email gets its account and
 * organisation and a welcome mail; an existing one gets no second account, and its owner is mailed instead.
 */
export async function requestSignUp(
  env: AppBindings,
  db: Db,
  input: SignUpInput,
  freePlanTokens: number,
  appOrigin: string,
): Promise<void> {
  const email = input.email.toLowerCase();
  let created = false;
  try {
    await signUp(db, { ...input, email }, freePlanTokens);
    created = true;
  } catch (error) {
    if (!(error instanceof ConflictError) && !isUniqueViolation(error)) throw error;
    // Spend what a real sign-up spends on hashing, so response time does not tell the two apart.
    await hashPassword(input.password);
  }
  if (!created && (await mailedRecently(db, email, SIGN_UP_ATTEMPT_SUBJECT))) return;
  const mail = created
    ? {
        to: email,
        subject: 'Welcome to HelpStack',
        text: `Your HelpStack account is ready.\n\nLog in: ${appOrigin}/login\n\nIf you did not sign up for HelpStack, someone else used your email address.`,
      }
    : {
        to: email,
        subject: SIGN_UP_ATTEMPT_SUBJECT,
        text: `Someone tried to create a new HelpStack account with this email address, which already has one. No account was created and nothing about your account changed.\n\nIf it was you, log in with your existing password instead: ${appOrigin}/login\n\nIf it was not you, you can ignore this email.`,
      };
  try {
    await sendMail(env, db, mail);
  } catch (error) {
    // The same on both paths: a mail that cannot go out must not turn into a different answer.
    console.error('sign-up mail failed', error);
  }
}

/**
 * Checks the password and picks the organisation to log into: the most recently used active membership.
 * Attempts are throttled per email across all IPs (auth/login-throttle.ts); a right password clears them.
 */
export async function logIn(db: Db, input: { email: string; password: string }) {
  const email = input.email.toLowerCase();
  await countLoginAttempt(db, email);
  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  if (!user) {
    // Hash anyway so response time does not reveal which emails have accounts.
    await hashPassword(input.password);
    throw new UnauthorizedError('Invalid email or password');
  }
  if (!(await verifyPassword(input.password, user.passwordHash)))
    throw new UnauthorizedError('Invalid email or password');
  await clearLoginAttempts(db, email);
  const rows = await db
    .select({ membership: memberships, organization: organizations })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .where(eq(memberships.userId, user.id))
    .orderBy(desc(memberships.lastLoginAt));
  const active = rows.find((r) => r.membership.status === 'ACTIVE');
  if (!active) {
    throw rows.length
      ? new ForbiddenError('Your account has been suspended; ask an administrator to reactivate it')
      : new UnauthorizedError('Invalid email or password');
  }
  await db.update(memberships).set({ lastLoginAt: new Date() }).where(eq(memberships.id, active.membership.id));
  return { user, organization: active.organization, membership: active.membership };
}

export function publicUser(user: { id: string; email: string; name: string }) {
  return { id: user.id, email: user.email, name: user.name };
}
