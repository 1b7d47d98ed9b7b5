// "Forgot password": a single-use link, valid for 30 minutes, mailed to the account's address. The token is 32
// random bytes; only its SHA-256 is stored, so a database leak gives no working link. Asking answers the same
// whether or not the address has an account, and one address gets at most one link every two minutes.
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { passwordResets, sessions, users } from '../db/schema';
import type { AppBindings } from '../env';
import { randomToken, sha256Hex } from '../lib/encoding';
import { ValidationError } from '../lib/errors';
import { hashPassword } from '../lib/password';
import { sendMail } from '../notifications/mailer';
import { clearLoginAttempts } from './login-throttle';

export const RESET_TTL_MS = 30 * 60 * 1000;
/** One link per address per this long: repeated asks neither flood the inbox nor pile up valid links. */
export const RESET_MAIL_EVERY_MS = 2 * 60 * 1000;
export const RESET_SUBJECT = 'Reset your HelpStack password';
const INVALID = 'This reset link is invalid, already used or expired: ask for a new one';

/** Mails a reset link when the address has an account; otherwise does nothing, and says nothing. */
export async function requestPasswordReset(
  env: AppBindings,
  db: Db,
  emailAddress: string,
  appOrigin: string,
  now = Date.now(),
): Promise<void> {
  const email = emailAddress.toLowerCase();
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  if (!user) return;
  const [recent] = await db
    .select({ id: passwordResets.id })
    .from(passwordResets)
    .where(and(eq(passwordResets.userId, user.id), gt(passwordResets.createdAt, new Date(now - RESET_MAIL_EVERY_MS))))
    .orderBy(desc(passwordResets.createdAt))
    .limit(1);
  if (recent) return;
  const token = randomToken();
  await db.insert(passwordResets).values({
    userId: user.id,
    tokenHash: await sha256Hex(token),
    expiresAt: new Date(now + RESET_TTL_MS),
    createdAt: new Date(now),
  });
  const link = `${appOrigin}/reset-password?token=${encodeURIComponent(token)}`;
  try {
    await sendMail(env, db, {
      to: email,
      subject: RESET_SUBJECT,
      text: `Someone asked to reset the password of your HelpStack account.\n\nChoose a new password (the link works once, for 30 minutes): ${link}\n\nIf it was not you, ignore this email: your password stays as it is.`,
    });
  } catch (error) {
    // The same answer either way: a mail that cannot go out must not tell the caller the address exists.
    console.error('password reset mail failed', error);
  }
}

/** Sets the new password if the link is valid and unused, uses it up, and ends every session of the user. */
export async function resetPassword(db: Db, token: string, password: string, now = Date.now()): Promise<void> {
  const tokenHash = await sha256Hex(token);
  // Claiming the link and checking it are one statement, so two uses racing cannot both succeed.
  const [claimed] = await db
    .update(passwordResets)
    .set({ usedAt: new Date(now) })
    .where(
      and(
        eq(passwordResets.tokenHash, tokenHash),
        isNull(passwordResets.usedAt),
        gt(passwordResets.expiresAt, new Date(now)),
      ),
    )
    .returning({ userId: passwordResets.userId });
  if (!claimed) throw ValidationError.field('token', INVALID);
  const passwordHash = await hashPassword(password);
  const [user] = await db
    .update(users)
    .set({ passwordHash })
    .where(eq(users.id, claimed.userId))
    .returning({ email: users.email });
  await db
    .update(sessions)
    .set({ revokedAt: new Date(now) })
    .where(and(eq(sessions.userId, claimed.userId), isNull(sessions.revokedAt)));
  // Every other link of this user dies with this one.
  await db
    .update(passwordResets)
    .set({ usedAt: new Date(now) })
    .where(and(eq(passwordResets.userId, claimed.userId), isNull(passwordResets.usedAt)));
  if (user) await clearLoginAttempts(db, user.email);
}
