// Plan seats (plans.ts): an organisation's active members and its pending, unexpired invitations each take one.
// A new invitation, a member created directly and a suspended member made active again need a free seat; an
// invitation is accepted only while the active members are fewer than the seats. Each check is inside the write
// itself (seatsTakenSql, used by team/), so two requests racing for the last seat cannot both take it.
// Suspended members take no seat. A plan below the current headcount (a downgrade) removes no one: the members
// keep their access, and nothing new is admitted until enough seats are freed or the plan grows again.
import { and, eq, gt, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { billingAccounts, invitations, memberships, organizations } from '../db/schema';
import type { AppBindings } from '../env';
import { NotFoundError, SeatLimitError } from '../lib/errors';
import { limitsOf } from './account';
import type { Plan } from './plans';

const PLAN_NAMES: Record<Plan, string> = {
  FREE: 'Free',
  STARTER: 'Starter',
  GROWTH: 'Growth',
  ENTERPRISE: 'Enterprise',
};

export interface SeatUsage {
  plan: Plan;
  /** Seats the plan includes. */
  limit: number;
  /** Active members. */
  members: number;
  /** Pending invitations that have not expired. */
  pending: number;
  /** members + pending. */
  used: number;
  /** Seats still free (0 when full or over the limit after a downgrade). */
  available: number;
}

/** The organisation's plan and its seat limit (Enterprise's custom seats when set). */
export async function seatLimit(
  env: AppBindings,
  db: Db,
  organizationId: string,
): Promise<{ plan: Plan; limit: number }> {
  const [row] = await db
    .select({ plan: organizations.plan, account: billingAccounts })
    .from(organizations)
    .leftJoin(billingAccounts, eq(billingAccounts.organizationId, organizations.id))
    .where(eq(organizations.id, organizationId));
  if (!row) throw new NotFoundError('Organization');
  return { plan: row.plan, limit: limitsOf(env, row.plan, row.account).seats };
}

/**
 * How the seats are used. `exceptInvitationsTo` leaves out the pending invitations of one email: a new
 * invitation or a direct creation for that email replaces them.
 */
export async function seatUsage(
  env: AppBindings,
  db: Db,
  organizationId: string,
  options: { exceptInvitationsTo?: string; now?: number } = {},
): Promise<SeatUsage> {
  const { plan, limit } = await seatLimit(env, db, organizationId);
  const [members] = await db
    .select({ n: sql<number>`count(*)` })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.status, 'ACTIVE')));
  const [pending] = await db
    .select({ n: sql<number>`count(*)` })
    .from(invitations)
    .where(
      and(
        eq(invitations.organizationId, organizationId),
        eq(invitations.status, 'PENDING'),
        gt(invitations.expiresAt, new Date(options.now ?? Date.now())),
        options.exceptInvitationsTo ? ne(invitations.email, options.exceptInvitationsTo.toLowerCase()) : undefined,
      ),
    );
  const used = (members?.n ?? 0) + (pending?.n ?? 0);
  return {
    plan,
    limit,
    members: members?.n ?? 0,
    pending: pending?.n ?? 0,
    used,
    available: Math.max(0, limit - used),
  };
}

/**
 * The refusal when no seat is free: which plan, how many seats, how they are taken, and the ways out. For an
 * invitee (who cannot manage the team) it names the organisation and whom to ask.
 */
export function seatLimitError(
  usage: Pick<SeatUsage, 'plan' | 'limit' | 'members' | 'pending'>,
  invitee?: { organizationName: string },
): SeatLimitError {
  const taken =
    usage.pending > 0
      ? `${usage.members} ${usage.members === 1 ? 'member' : 'members'} and ${usage.pending} pending ${usage.pending === 1 ? 'invitation' : 'invitations'}`
      : `${usage.members} ${usage.members === 1 ? 'member' : 'members'}`;
  const upgrade =
    usage.plan === 'ENTERPRISE'
      ? 'ask your HelpStack contact for more seats'
      : 'an owner can upgrade the plan on the Billing page';
  const seats = `${usage.limit} ${usage.limit === 1 ? 'seat' : 'seats'}`;
  if (invitee) {
    return new SeatLimitError(
      `${invitee.organizationName} has no free seat: its ${PLAN_NAMES[usage.plan]} plan includes ${seats}, and ${taken} take them all. ` +
        'Ask an administrator there to free a seat or upgrade the plan, then open the invitation link again.',
    );
  }
  return new SeatLimitError(
    `Your ${PLAN_NAMES[usage.plan]} plan includes ${seats}, and ${taken} take them all. ` +
      `Remove a member or revoke an invitation to free a seat, or ${upgrade}.`,
  );
}

/** The 402 SEAT_LIMIT for an organisation as it stands (after a write refused for want of a seat). */
export async function seatRefusal(
  env: AppBindings,
  db: Db,
  organizationId: string,
  options: { exceptInvitationsTo?: string } = {},
): Promise<SeatLimitError> {
  return seatLimitError(await seatUsage(env, db, organizationId, options));
}

/**
 * SQL for the seats taken, in D1 positional parameters (e.g. `?5`): active members plus pending unexpired
 * invitations, less the invitations to one email (a new invitation or member for that email replaces them).
 * A write whose WHERE carries `${seatsTakenSql(…)} < ?limit` counts and writes in one atomic step, so two
 * requests racing for the last seat cannot both take it.
 */
export function seatsTakenSql(params: { organizationId: string; now: string; exceptEmail: string }): string {
  const { organizationId: org, now, exceptEmail } = params;
  return `((SELECT count(*) FROM memberships WHERE organization_id = ${org} AND status = 'ACTIVE')
    + (SELECT count(*) FROM invitations WHERE organization_id = ${org} AND status = 'PENDING'
         AND expires_at > ${now} AND email <> ${exceptEmail}))`;
}
