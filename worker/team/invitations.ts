// Invitations: an admin invites an email with a role; the link's token is accepted only by that email.
// States: PENDING → ACTIVE on acceptance; REVOKED when replaced or withdrawn; EXPIRED after 7 days.
import { and, desc, eq } from 'drizzle-orm';
import { createSession } from '../auth/sessions';
import type { Db } from '../db/client';
import { invitations, memberships, organizations, type Role, users } from '../db/schema';
import type { AppBindings } from '../env';
import type { AuthContext } from '../http/context';
import { randomToken, sha256Hex } from '../lib/encoding';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../lib/errors';
import { hashPassword, verifyPassword } from '../lib/password';
import { sendMail } from '../notifications/mailer';

const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const invitationColumns = {
  id: invitations.id,
  email: invitations.email,
  role: invitations.role,
  status: invitations.status,
  expiresAt: invitations.expiresAt,
  acceptedAt: invitations.acceptedAt,
  createdAt: invitations.createdAt,
};

export async function listInvitations(db: Db, organizationId: string) {
  const rows = await db
    .select(invitationColumns)
    .from(invitations)
    .where(eq(invitations.organizationId, organizationId))
    .orderBy(desc(invitations.createdAt));
  const now = Date.now();
  return rows.map((r) =>
    r.status === 'PENDING' && r.expiresAt.getTime() <= now ? { ...r, status: 'EXPIRED' as const } : r,
  );
}

export async function invite(
  env: AppBindings,
  db: Db,
  actor: AuthContext,
  input: { email: string; role: Role },
  appOrigin: string,
) {
  if (input.role === 'OWNER' && actor.role !== 'OWNER') throw new ForbiddenError('Only an owner can invite an owner');
  const email = input.email.toLowerCase();
  const [member] = await db
    .select({ id: memberships.id })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.organizationId, actor.organization.id), eq(users.email, email)));
  if (member) throw new ConflictError('This person is already a member of the organization');
  // A new invitation to the same email replaces any pending one.
  await db
    .update(invitations)
    .set({ status: 'REVOKED' })
    .where(
      and(
        eq(invitations.organizationId, actor.organization.id),
        eq(invitations.email, email),
        eq(invitations.status, 'PENDING'),
      ),
    );
  const token = randomToken();
  const [invitation] = await db
    .insert(invitations)
    .values({
      organizationId: actor.organization.id,
      email,
      role: input.role,
      tokenHash: await sha256Hex(token),
      invitedById: actor.user.id,
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
    })
    .returning(invitationColumns);
  const inviteUrl = `${appOrigin}/invite/${token}`;
  await sendMail(env, db, {
    organizationId: actor.organization.id,
    to: email,
    subject: `${actor.user.name} invited you to ${actor.organization.name} on HelpStack`,
    text: `${actor.user.name} invited you to join ${actor.organization.name} on HelpStack as ${input.role}.\n\nAccept the invitation: ${inviteUrl}\n\nThe link expires in 7 days.`,
  });
  return { invitation: invitation!, inviteUrl };
}

export async function revokeInvitation(db: Db, organizationId: string, id: string): Promise<void> {
  const [row] = await db
    .update(invitations)
    .set({ status: 'REVOKED' })
    .where(
      and(eq(invitations.id, id), eq(invitations.organizationId, organizationId), eq(invitations.status, 'PENDING')),
    )
    .returning({ id: invitations.id });
  if (!row) throw new NotFoundError('Pending invitation');
}

/**
 * Accepts an invitation. A logged-in caller must be the invited email; otherwise the caller proves the
 * email's existing account with its password, or creates the account with a name and password.
 */
export async function acceptInvitation(
  env: AppBindings,
  db: Db,
  token: string,
  caller: AuthContext | null,
  input: { name?: string; password?: string },
  userAgent: string | undefined,
) {
  const [invitation] = await db
    .select()
    .from(invitations)
    .where(eq(invitations.tokenHash, await sha256Hex(token)))
    .limit(1);
  if (!invitation || invitation.status === 'REVOKED') throw new NotFoundError('Invitation');
  if (invitation.status === 'ACTIVE') throw new ConflictError('This invitation has already been accepted');
  if (invitation.expiresAt.getTime() <= Date.now()) {
    await db.update(invitations).set({ status: 'EXPIRED' }).where(eq(invitations.id, invitation.id));
    throw new ConflictError('This invitation has expired; ask for a new one');
  }
  if (caller && caller.user.email !== invitation.email) {
    throw new ForbiddenError('This invitation was sent to a different email address');
  }
  let [user] = await db.select().from(users).where(eq(users.email, invitation.email)).limit(1);
  if (user && !caller) {
    if (!input.password || !(await verifyPassword(input.password, user.passwordHash))) {
      throw new UnauthorizedError('Log in as the invited account (or give its password) to accept');
    }
  }
  if (!user) {
    const fields: Record<string, string[]> = {};
    if (!input.name) fields.name = ['Name is required to create your account'];
    if (!input.password) fields.password = ['Password is required to create your account'];
    if (Object.keys(fields).length) throw new ValidationError('Invalid request body', fields);
    [user] = await db
      .insert(users)
      .values({ email: invitation.email, name: input.name!, passwordHash: await hashPassword(input.password!) })
      .returning();
  }
  const userId = user!.id;
  const [, [membership]] = await db.batch([
    db.update(invitations).set({ status: 'ACTIVE', acceptedAt: new Date() }).where(eq(invitations.id, invitation.id)),
    db
      .insert(memberships)
      .values({ organizationId: invitation.organizationId, userId, role: invitation.role, lastLoginAt: new Date() })
      .onConflictDoUpdate({
        target: [memberships.organizationId, memberships.userId],
        set: { role: invitation.role, status: 'ACTIVE' },
      })
      .returning(),
  ]);
  const [organization] = await db.select().from(organizations).where(eq(organizations.id, invitation.organizationId));
  const session = await createSession(db, env.SESSION_SECRET, {
    userId,
    organizationId: invitation.organizationId,
    userAgent,
  });
  return { user: user!, organization: organization!, membership: membership!, session };
}
