// A member's own account: their name, and a password change that needs the current password and ends every
// other session (a stolen session does not survive the owner changing their password).
import { and, eq, isNull, ne } from 'drizzle-orm';
import type { Db } from '../db/client';
import { sessions, users } from '../db/schema';
import { ValidationError } from '../lib/errors';
import { hashPassword, verifyPassword } from '../lib/password';

export async function updateProfile(db: Db, userId: string, input: { name: string }) {
  const [user] = await db
    .update(users)
    .set({ name: input.name })
    .where(eq(users.id, userId))
    .returning({ id: users.id, email: users.email, name: users.name });
  return user!;
}

export async function changePassword(
  db: Db,
  auth: { userId: string; sessionId: string },
  input: { currentPassword: string; newPassword: string },
): Promise<{ otherSessionsEnded: number }> {
  const [user] = await db.select().from(users).where(eq(users.id, auth.userId)).limit(1);
  if (!user || !(await verifyPassword(input.currentPassword, user.passwordHash))) {
    throw ValidationError.field('currentPassword', 'The current password is not right');
  }
  if (input.currentPassword === input.newPassword) {
    throw ValidationError.field('newPassword', 'The new password must differ from the current one');
  }
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(input.newPassword) })
    .where(eq(users.id, auth.userId));
  const ended = await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.userId, auth.userId), ne(sessions.id, auth.sessionId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return { otherSessionsEnded: ended.length };
}
