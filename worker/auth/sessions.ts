// Sessions: a jose-signed token in a cookie, backed by a row so that logout and suspension revoke it at once.
import { and, eq } from 'drizzle-orm';
import { jwtVerify, SignJWT } from 'jose';
import type { Db } from '../db/client';
import { memberships, organizations, sessions, users } from '../db/schema';
import type { AuthContext } from '../http/context';

export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

function secretKey(secret: string | undefined): Uint8Array {
  if (!secret || secret.length < 32) throw new Error('SESSION_SECRET must be set to at least 32 characters');
  return new TextEncoder().encode(secret);
}

export async function createSession(
  db: Db,
  secret: string | undefined,
  input: { userId: string; organizationId: string; userAgent?: string | null },
): Promise<{ token: string; expiresAt: Date }> {
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  const [session] = await db
    .insert(sessions)
    .values({ ...input, userAgent: input.userAgent?.slice(0, 300), expiresAt })
    .returning({ id: sessions.id });
  const token = await new SignJWT({ sid: session!.id })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(input.userId)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(secretKey(secret));
  return { token, expiresAt };
}

/** The caller behind a token, or null when the token is invalid, expired, revoked, or the member suspended. */
export async function resolveSession(db: Db, secret: string | undefined, token: string): Promise<AuthContext | null> {
  let sid: unknown;
  let sub: string | undefined;
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), { algorithms: ['HS256'] });
    sid = payload.sid;
    sub = payload.sub;
  } catch {
    return null;
  }
  if (typeof sid !== 'string' || !sub) return null;
  const [row] = await db
    .select({ session: sessions, user: users, membership: memberships, organization: organizations })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(organizations, eq(organizations.id, sessions.organizationId))
    .innerJoin(
      memberships,
      and(eq(memberships.userId, sessions.userId), eq(memberships.organizationId, sessions.organizationId)),
    )
    .where(and(eq(sessions.id, sid), eq(sessions.userId, sub)))
    .limit(1);
  if (!row) return null;
  const { session, user, membership, organization } = row;
  if (session.revokedAt || session.expiresAt.getTime() <= Date.now() || membership.status !== 'ACTIVE') return null;
  return {
    sessionId: session.id,
    user: { id: user.id, email: user.email, name: user.name },
    organization,
    role: membership.role,
    membershipId: membership.id,
  };
}

export async function revokeSession(db: Db, sessionId: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, sessionId));
}

/** Ends every session a user has in an organisation (suspension, removal). */
export async function revokeMemberSessions(db: Db, userId: string, organizationId: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.userId, userId), eq(sessions.organizationId, organizationId)));
}
