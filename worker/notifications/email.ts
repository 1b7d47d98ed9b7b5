// Notification email, batched: the dispatcher only marks a notification PENDING for email; the minute cron
// mails each (member, conversation) group once it has been quiet for a minute (or waited five), so a burst of
// thirty messages in one conversation is one mail. Mail goes through the system-mail port (mailer.ts).
import { and, eq, inArray, sql } from 'drizzle-orm';
import { createDb, type Db } from '../db/client';
import { memberships, notifications, users } from '../db/schema';
import type { AppBindings } from '../env';
import { sendMail } from './mailer';

/** A group is mailed once no notification joined it for this long… */
export const EMAIL_QUIET_MS = 60_000;
/** …or once its oldest notification waited this long, however busy the conversation. */
export const EMAIL_MAX_WAIT_MS = 5 * 60_000;
/** A SENDING claim older than this is assumed dead and mailed again. */
const EMAIL_LEASE_MS = 5 * 60_000;
const GROUPS_PER_RUN = 50;
const LISTED_MAX = 20;

type Row = typeof notifications.$inferSelect;

function appOrigin(env: AppBindings): string {
  return (env.APP_ORIGIN ?? 'http://localhost:8787').replace(/\/$/, '');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One mail for a group: what happened, a link to the conversation, a link to the preferences. */
export function composeMail(env: AppBindings, rows: Row[]) {
  const origin = appOrigin(env);
  const sorted = [...rows].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const latest = sorted[sorted.length - 1]!;
  const conversationUrl = latest.conversationId
    ? `${origin}/conversations/${latest.conversationId}`
    : `${origin}/conversations`;
  const preferencesUrl = `${origin}/settings/notifications`;
  const subject = rows.length === 1 ? latest.title : `${rows.length} updates: ${latest.title}`;
  const listed = sorted.slice(-LISTED_MAX);
  const more = sorted.length - listed.length;
  const text = [
    ...listed.map((r) => (r.body ? `• ${r.title}\n  ${r.body}` : `• ${r.title}`)),
    ...(more > 0 ? [`…and ${more} earlier`] : []),
    '',
    `Open the conversation: ${conversationUrl}`,
    '',
    `You get this because of your notification preferences: ${preferencesUrl}`,
  ].join('\n');
  const html = [
    '<ul>',
    ...listed.map(
      (r) => `<li><strong>${escapeHtml(r.title)}</strong>${r.body ? `<br>${escapeHtml(r.body)}` : ''}</li>`,
    ),
    '</ul>',
    more > 0 ? `<p>…and ${more} earlier</p>` : '',
    `<p><a href="${escapeHtml(conversationUrl)}">Open the conversation</a></p>`,
    `<p style="color:#666">You get this because of your <a href="${escapeHtml(preferencesUrl)}">notification preferences</a>.</p>`,
  ].join('');
  return { subject, text, html };
}

interface Group {
  organizationId: string;
  userId: string;
  conversationId: string | null;
}

/** Mails every group that is due; returns how many mails went out. */
export async function flushNotificationEmails(env: AppBindings, now = Date.now()): Promise<number> {
  const db = createDb(env.DB);
  const due = await db.$client
    .prepare(
      `SELECT organization_id AS organizationId, user_id AS userId, conversation_id AS conversationId
       FROM notifications
       WHERE email_status = 'PENDING' OR (email_status = 'SENDING' AND email_claimed_at < ?)
       GROUP BY organization_id, user_id, conversation_id
       HAVING MAX(created_at) <= ? OR MIN(created_at) <= ?
       LIMIT ?`,
    )
    .bind(now - EMAIL_LEASE_MS, now - EMAIL_QUIET_MS, now - EMAIL_MAX_WAIT_MS, GROUPS_PER_RUN)
    .all<Group>();
  let sent = 0;
  for (const group of due.results) {
    try {
      if (await mailGroup(env, db, group, now)) sent++;
    } catch (error) {
      console.error('Notification email failed; the next run retries it:', error);
    }
  }
  return sent;
}

async function mailGroup(env: AppBindings, db: Db, group: Group, now: number): Promise<boolean> {
  const sameGroup = and(
    eq(notifications.organizationId, group.organizationId),
    eq(notifications.userId, group.userId),
    group.conversationId === null
      ? sql`${notifications.conversationId} IS NULL`
      : eq(notifications.conversationId, group.conversationId),
  );
  // Claim the group's rows so an overlapping run cannot mail them too.
  const claimed = await db
    .update(notifications)
    .set({ emailStatus: 'SENDING', emailClaimedAt: new Date(now) })
    .where(
      and(
        sameGroup,
        sql`(${notifications.emailStatus} = 'PENDING' OR (${notifications.emailStatus} = 'SENDING' AND ${notifications.emailClaimedAt} < ${now - EMAIL_LEASE_MS}))`,
      ),
    )
    .returning();
  if (!claimed.length) return false;
  const ids = claimed.map((r) => r.id);
  const [member] = await db
    .select({ email: users.email })
    .from(users)
    .innerJoin(memberships, eq(memberships.userId, users.id))
    .where(
      and(
        eq(users.id, group.userId),
        eq(memberships.organizationId, group.organizationId),
        eq(memberships.status, 'ACTIVE'),
      ),
    );
  const settle = async (status: 'SENT' | 'PENDING' | null) => {
    for (let i = 0; i < ids.length; i += 90) {
      await db
        .update(notifications)
        .set({ emailStatus: status, emailClaimedAt: null })
        .where(inArray(notifications.id, ids.slice(i, i + 90)));
    }
  };
  if (!member) {
    // No longer an active member: nothing to mail.
    await settle(null);
    return false;
  }
  try {
    await sendMail(env, db, { to: member.email, organizationId: group.organizationId, ...composeMail(env, claimed) });
  } catch (error) {
    await settle('PENDING');
    throw error;
  }
  await settle('SENT');
  return true;
}
