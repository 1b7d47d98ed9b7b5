// Sign-up and log-in: a new user owns a new organisation; a returning user logs into their latest org.
import { desc, eq } from 'drizzle-orm';
import { creditTokens } from '../billing/tokens';
import type { Db } from '../db/client';
import { memberships, organizations, users } from '../db/schema';
import { ConflictError, ForbiddenError, UnauthorizedError } from '../lib/errors';
import { hashPassword, verifyPassword } from '../lib/password';

export interface SignUpInput {
  email: string;
  password: string;
  name: string;
  organizationName: string;
}

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

/** Checks the password and picks the organisation to log into: the most recently used active membership. */
export async function logIn(db: Db, input: { email: string; password: string }) {
  const [user] = await db.select().from(users).where(eq(users.email, input.email.toLowerCase())).limit(1);
  if (!user) {
    // Hash anyway so response time does not reveal which emails have accounts.
    await hashPassword(input.password);
    throw new UnauthorizedError('Invalid email or password');
  }
  if (!(await verifyPassword(input.password, user.passwordHash)))
    throw new UnauthorizedError('Invalid email or password');
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
