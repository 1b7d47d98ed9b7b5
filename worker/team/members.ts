// Team members of an organisation: list, create directly, change role or status, remove.
// Rules: only an OWNER grants or touches the OWNER role, and an organisation always keeps an active OWNER.
// Creating, suspending or removing a member revokes their pending invitations, so none can undo it later.
// Active members take plan seats (billing/seats.ts): creating one, or making a suspended one active again,
// needs a free seat; suspending or removing one frees it.
import { and, eq, or } from 'drizzle-orm';
import { revokeMemberSessions } from '../auth/sessions';
import { seatLimit, seatRefusal, seatsTakenSql } from '../billing/seats';
import type { Db } from '../db/client';
import { memberships, type Role, users } from '../db/schema';
import type { AppBindings } from '../env';
import type { AuthContext } from '../http/context';
import { ConflictError, ForbiddenError, NotFoundError } from '../lib/errors';
import { hashPassword, temporaryPassword } from '../lib/password';
import { revokePendingInvitations } from './invitations';

const memberColumns = {
  id: memberships.id,
  userId: users.id,
  email: users.email,
  name: users.name,
  role: memberships.role,
  status: memberships.status,
  lastLoginAt: memberships.lastLoginAt,
  createdAt: memberships.createdAt,
};

function selectMembers(db: Db) {
  return db.select(memberColumns).from(memberships).innerJoin(users, eq(users.id, memberships.userId));
}

export type Member = Awaited<ReturnType<typeof selectMembers>>[number];

export async function listMembers(db: Db, organizationId: string): Promise<Member[]> {
  return selectMembers(db).where(eq(memberships.organizationId, organizationId)).orderBy(memberships.createdAt);
}

/** A member by membership id or user id; 404 outside the caller's organisation. */
export async function getMember(db: Db, organizationId: string, id: string): Promise<Member> {
  const [member] = await selectMembers(db)
    .where(and(eq(memberships.organizationId, organizationId), or(eq(memberships.id, id), eq(memberships.userId, id))))
    .limit(1);
  if (!member) throw new NotFoundError('Member');
  return member;
}

function assertMayGrant(actor: AuthContext, role: Role): void {
  if (role === 'OWNER' && actor.role !== 'OWNER') throw new ForbiddenError('Only an owner can grant the OWNER role');
}

export async function createMember(
  env: AppBindings,
  db: Db,
  actor: AuthContext,
  input: { email: string; name: string; role: Role; password?: string },
): Promise<{ member: Member; temporaryPassword?: string }> {
  assertMayGrant(actor, input.role);
  const email = input.email.toLowerCase();
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  if (existing) {
    const [membership] = await db
      .select({ id: memberships.id })
      .from(memberships)
      .where(and(eq(memberships.userId, existing.id), eq(memberships.organizationId, actor.organization.id)));
    throw new ConflictError(
      membership
        ? 'A member with this email already exists in this organization'
        : 'This email already has a HelpStack account; send them an invitation instead',
    );
  }
  const generated = input.password ? undefined : temporaryPassword();
  const passwordHash = await hashPassword(input.password ?? generated!);
  const userId = crypto.randomUUID();
  const membershipId = crypto.randomUUID();
  const now = Date.now();
  const { limit } = await seatLimit(env, db, actor.organization.id);
  // One transaction: the account is written only while a seat is free (the email's pending invitations do not
  // count: they are revoked below), and the membership only when the account was.
  const d1 = db.$client;
  const [inserted] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?5
         WHERE ${seatsTakenSql({ organizationId: '?6', now: '?5', exceptEmail: '?2' })} < ?7`,
      )
      .bind(userId, email, input.name, passwordHash, now, actor.organization.id, limit),
    d1
      .prepare(
        `INSERT INTO memberships (id, organization_id, user_id, role, status, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, 'ACTIVE', ?5, ?5 WHERE changes() = 1`,
      )
      .bind(membershipId, actor.organization.id, userId, input.role, now),
  ]);
  if ((inserted?.meta.changes ?? 0) !== 1) {
    throw await seatRefusal(env, db, actor.organization.id, { exceptInvitationsTo: email });
  }
  // An invitation sent earlier must not later override the role chosen here.
  await revokePendingInvitations(db, actor.organization.id, email);
  const member = await getMember(db, actor.organization.id, membershipId);
  return generated ? { member, temporaryPassword: generated } : { member };
}

async function assertKeepsAnOwner(db: Db, organizationId: string, leaving: Member): Promise<void> {
  if (leaving.role !== 'OWNER' || leaving.status !== 'ACTIVE') return;
  const owners = await db
    .select({ id: memberships.id })
    .from(memberships)
    .where(
      and(
        eq(memberships.organizationId, organizationId),
        eq(memberships.role, 'OWNER'),
        eq(memberships.status, 'ACTIVE'),
      ),
    );
  if (owners.length <= 1) throw new ConflictError('An organization must keep at least one active owner');
}

export async function updateMember(
  env: AppBindings,
  db: Db,
  actor: AuthContext,
  id: string,
  changes: { role?: Role; status?: 'ACTIVE' | 'SUSPENDED'; name?: string },
): Promise<Member> {
  const member = await getMember(db, actor.organization.id, id);
  if (member.role === 'OWNER' && actor.role !== 'OWNER') throw new ForbiddenError('Only an owner can change an owner');
  if (changes.role) assertMayGrant(actor, changes.role);
  const losesOwner = (changes.role !== undefined && changes.role !== 'OWNER') || changes.status === 'SUSPENDED';
  if (losesOwner) await assertKeepsAnOwner(db, actor.organization.id, member);
  if (changes.status === 'ACTIVE' && member.status !== 'ACTIVE') {
    // A member made active again takes a seat: the update carries the count, so it is one atomic step.
    const { limit } = await seatLimit(env, db, actor.organization.id);
    const now = Date.now();
    const result = await db.$client
      .prepare(
        `UPDATE memberships SET status = 'ACTIVE', role = COALESCE(?3, role), updated_at = ?4
         WHERE id = ?1 AND organization_id = ?2
           AND ${seatsTakenSql({ organizationId: '?2', now: '?4', exceptEmail: '?5' })} < ?6`,
      )
      .bind(member.id, actor.organization.id, changes.role ?? null, now, '', limit)
      .run();
    if (result.meta.changes !== 1) throw await seatRefusal(env, db, actor.organization.id);
  } else if (changes.role || changes.status) {
    await db
      .update(memberships)
      .set({ role: changes.role, status: changes.status })
      .where(eq(memberships.id, member.id));
  }
  if (changes.name) await db.update(users).set({ name: changes.name }).where(eq(users.id, member.userId));
  if (changes.status === 'SUSPENDED') {
    await revokeMemberSessions(db, member.userId, actor.organization.id);
    await revokePendingInvitations(db, actor.organization.id, member.email);
  }
  return getMember(db, actor.organization.id, member.id);
}

export async function removeMember(db: Db, actor: AuthContext, id: string): Promise<void> {
  const member = await getMember(db, actor.organization.id, id);
  if (member.role === 'OWNER' && actor.role !== 'OWNER') throw new ForbiddenError('Only an owner can remove an owner');
  await assertKeepsAnOwner(db, actor.organization.id, member);
  await revokeMemberSessions(db, member.userId, actor.organization.id);
  await revokePendingInvitations(db, actor.organization.id, member.email);
  await db.delete(memberships).where(eq(memberships.id, member.id));
}
