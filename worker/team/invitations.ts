// Invitations: an admin invites an email with a role; the link's token is accepted only by that email.
// States: PENDING → ACTIVE on acceptance; REVOKED when replaced or withdrawn, or when the member is created,
// suspended or removed; EXPIRED after 7 days. Each pending invitation takes a plan seat (billing/seats.ts): a new
// one needs a free seat, and acceptance re-checks the seats atomically.
import { and, desc, eq } from 'drizzle-orm';
import { createSession, revokeSession } from '../auth/sessions';
import { seatLimit, seatLimitError, seatRefusal, seatsTakenSql, seatUsage } from '../billing/seats';
import type { Db } from '../db/client';
import { type Invitation, invitations, memberships, organizations, type Role, sessions, users } from '../db/schema';
import type { AppBindings } from '../env';
import type { AuthContext } from '../http/context';
import { randomToken, sha256Hex } from '../lib/encoding';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../lib/errors';
import { hashPassword } from '../lib/password';
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
  const token = randomToken();
  const id = crypto.randomUUID();
  const now = Date.now();
  const { limit } = await seatLimit(env, db, actor.organization.id);
  // One transaction: the invitation is written only while a seat is free (the email's own pending invitations
  // do not count: this one replaces them), and only then are those revoked.
  const d1 = db.$client;
  const [created] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO invitations (id, organization_id, email, role, token_hash, status, invited_by_id, expires_at, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, 'PENDING', ?6, ?7, ?8
         WHERE ${seatsTakenSql({ organizationId: '?2', now: '?8', exceptEmail: '?3' })} < ?9`,
      )
      .bind(
        id,
        actor.organization.id,
        email,
        input.role,
        await sha256Hex(token),
        actor.user.id,
        now + INVITATION_TTL_MS,
        now,
        limit,
      ),
    d1
      .prepare(
        `UPDATE invitations SET status = 'REVOKED'
         WHERE organization_id = ?2 AND email = ?3 AND status = 'PENDING' AND id <> ?1
           AND EXISTS (SELECT 1 FROM invitations WHERE id = ?1)`,
      )
      .bind(id, actor.organization.id, email),
  ]);
  if ((created?.meta.changes ?? 0) !== 1) {
    throw await seatRefusal(env, db, actor.organization.id, { exceptInvitationsTo: email });
  }
  const [invitation] = await db.select(invitationColumns).from(invitations).where(eq(invitations.id, id));
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

/** Withdraws an email's pending invitations to an organisation (the member was created, suspended or removed). */
export async function revokePendingInvitations(db: Db, organizationId: string, email: string): Promise<void> {
  await db
    .update(invitations)
    .set({ status: 'REVOKED' })
    .where(
      and(
        eq(invitations.organizationId, organizationId),
        eq(invitations.email, email.toLowerCase()),
        eq(invitations.status, 'PENDING'),
      ),
    );
}

/**
 * Accepts an invitation. An email that already has an account accepts only from that account's own session
 * (log in first: the login path is throttled); this endpoint never checks passwords. An email without an
 * account creates it here with a name and password. Acceptance adds a membership and never changes an
 * existing one: a suspended member stays suspended, and a removed member's old invitations stay unusable.
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
  const [existing] = await db.select().from(users).where(eq(users.email, invitation.email)).limit(1);
  if (existing && !caller) {
    throw new UnauthorizedError(
      'This email already has a HelpStack account: log in to it, then open the invitation link again',
    );
  }
  if (existing) await assertNotAFormerMember(db, invitation, existing.id);

  let userId: string;
  let passwordHash: string | null = null;
  if (existing) {
    userId = existing.id;
  } else {
    const fields: Record<string, string[]> = {};
    if (!input.name) fields.name = ['Name is required to create your account'];
    if (!input.password) fields.password = ['Password is required to create your account'];
    if (Object.keys(fields).length) throw new ValidationError('Invalid request body', fields);
    userId = crypto.randomUUID();
    passwordHash = await hashPassword(input.password!);
  }
  const { limit } = await seatLimit(env, db, invitation.organizationId);
  const now = Date.now();
  // One transaction: the invitation turns ACTIVE only while it is still pending and the active members are
  // fewer than the plan's seats; the account (for a new user) and the membership are written only when it did
  // (changes() of the statement before), so two acceptances racing for the last seat cannot both join.
  const d1 = db.$client;
  const statements = [
    d1
      .prepare(
        `UPDATE invitations SET status = 'ACTIVE', accepted_at = ?2 WHERE id = ?1 AND status = 'PENDING'
           AND (SELECT count(*) FROM memberships WHERE organization_id = ?3 AND status = 'ACTIVE') < ?4`,
      )
      .bind(invitation.id, now, invitation.organizationId, limit),
  ];
  if (passwordHash !== null) {
    statements.push(
      d1
        .prepare(
          `INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
           SELECT ?1, ?2, ?3, ?4, ?5, ?5 WHERE changes() = 1`,
        )
        .bind(userId, invitation.email, input.name!, passwordHash, now),
    );
  }
  // An existing user's next login still lands where it did: the new membership has no login yet.
  statements.push(
    d1
      .prepare(
        `INSERT INTO memberships (id, organization_id, user_id, role, status, last_login_at, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, 'ACTIVE', ?5, ?6, ?6 WHERE changes() = 1 ON CONFLICT DO NOTHING`,
      )
      .bind(crypto.randomUUID(), invitation.organizationId, userId, invitation.role, existing ? null : now, now),
  );
  const [accepted] = await d1.batch(statements);
  if ((accepted?.meta.changes ?? 0) !== 1) {
    const [after] = await db
      .select({ status: invitations.status, organizationName: organizations.name })
      .from(invitations)
      .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
      .where(eq(invitations.id, invitation.id));
    if (after?.status === 'PENDING') {
      const usage = await seatUsage(env, db, invitation.organizationId);
      throw seatLimitError({ ...usage, pending: 0 }, { organizationName: after.organizationName });
    }
    throw new ConflictError('This invitation has already been accepted');
  }
  const [row] = await db
    .select({ user: users, membership: memberships, organization: organizations })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .where(and(eq(memberships.organizationId, invitation.organizationId), eq(memberships.userId, userId)));
  if (caller) await revokeSession(db, caller.sessionId); // its cookie is replaced by the new session below
  const session = await createSession(db, env.SESSION_SECRET, {
    userId,
    organizationId: invitation.organizationId,
    userAgent,
  });
  return { user: row!.user, organization: row!.organization, membership: row!.membership, session };
}

/**
 * Refuses an invitation that would bring back a suspended or removed member. Removal and suspension revoke
 * pending invitations; this also catches invitations left over from before that rule: one created before
 * the invitee's latest session in the organisation predates a membership that has since ended.
 */
async function assertNotAFormerMember(db: Db, invitation: Invitation, userId: string): Promise<void> {
  const [membership] = await db
    .select({ status: memberships.status })
    .from(memberships)
    .where(and(eq(memberships.organizationId, invitation.organizationId), eq(memberships.userId, userId)));
  if (membership?.status === 'SUSPENDED') {
    throw new ForbiddenError(
      'Your membership of this organization is suspended; an invitation cannot reactivate it. Ask an administrator.',
    );
  }
  if (membership) throw new ConflictError('You are already a member of this organization');
  const [lastSession] = await db
    .select({ createdAt: sessions.createdAt })
    .from(sessions)
    .where(and(eq(sessions.organizationId, invitation.organizationId), eq(sessions.userId, userId)))
    .orderBy(desc(sessions.createdAt))
    .limit(1);
  if (lastSession && lastSession.createdAt.getTime() >= invitation.createdAt.getTime()) {
    throw new ConflictError(
      'This invitation predates your removal from this organization and no longer applies; ask an administrator for a new one',
    );
  }
}

/**
 * What an invitation link is for, shown on the accept page before anything is done: the organisation, the role,
 * the invited address and whether it can still be accepted. The token is the credential: an unknown one is 404.
 */
export async function describeInvitation(db: Db, token: string, now = Date.now()) {
  const [row] = await db
    .select({
      email: invitations.email,
      role: invitations.role,
      status: invitations.status,
      expiresAt: invitations.expiresAt,
      organizationName: organizations.name,
      invitedBy: users.name,
    })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
    .leftJoin(users, eq(users.id, invitations.invitedById))
    .where(eq(invitations.tokenHash, await sha256Hex(token)))
    .limit(1);
  if (!row) throw new NotFoundError('Invitation');
  const status = row.status === 'PENDING' && row.expiresAt.getTime() <= now ? ('EXPIRED' as const) : row.status;
  return { ...row, status, expiresAt: row.expiresAt.toISOString() };
}
