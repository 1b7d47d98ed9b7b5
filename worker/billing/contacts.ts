// Monthly active contacts: a contact counts once per billing cycle, on the first outbound message to it (bot
// or human). At 80 % and 95 % of the plan's cap the owners get one mail each per cycle (the dashboard shows a
// banner to everyone); at 100 % automated messages to new contacts are held, not sent, and go out when the
// plan grows or the cycle resets. Conversations in progress and contacts already counted are unaffected, and
// the team can always write to anyone by hand (that counts too).
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { approveMessage } from '../conversations/pipeline';
import type { Db } from '../db/client';
import { createDb } from '../db/client';
import {
  activeContacts,
  billingAccounts,
  conversations,
  heldMessages,
  memberships,
  messages,
  users,
} from '../db/schema';
import type { AppBindings } from '../env';
import type { Subscriber } from '../events/fan-out';
import { NotFoundError, ValidationError } from '../lib/errors';
import { sendMail } from '../notifications/mailer';
import { ensureAccount, limitsOf, organizationPlan } from './account';
import { cycleContaining } from './cycle';
import { CONTACT_WARNINGS } from './plans';

export interface ContactUsage {
  cycleStart: number;
  used: number;
  cap: number;
  /** The highest warning level reached: 0, 80, 95 or 100. */
  level: 0 | 80 | 95 | 100;
  held: number;
}

/** The cycle contacts count in: the one containing `now` (the cron may not have rolled the account yet). */
async function currentCycle(db: Db, organizationId: string, now: number) {
  const account = await ensureAccount(db, organizationId, now);
  return { account, start: cycleContaining(account.cycleAnchor.getTime(), now).start };
}

function levelOf(used: number, cap: number): ContactUsage['level'] {
  if (cap <= 0 || used >= cap) return 100;
  const share = (used * 100) / cap;
  return share >= 95 ? 95 : share >= 80 ? 80 : 0;
}

async function countActive(db: Db, organizationId: string, cycleStart: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(activeContacts)
    .where(and(eq(activeContacts.organizationId, organizationId), eq(activeContacts.cycleStart, cycleStart)));
  return row?.n ?? 0;
}

export async function contactUsage(env: AppBindings, db: Db, organizationId: string, now = Date.now()) {
  const { account, start } = await currentCycle(db, organizationId, now);
  const cap = limitsOf(env, await organizationPlan(db, organizationId), account).contacts;
  const used = await countActive(db, organizationId, start);
  const [held] = await db
    .select({ n: sql<number>`count(*)` })
    .from(heldMessages)
    .where(eq(heldMessages.organizationId, organizationId));
  return { cycleStart: start, used, cap, level: levelOf(used, cap), held: held?.n ?? 0 } satisfies ContactUsage;
}

/** Counts the contact for this cycle; true when this was its first outbound message of the cycle. */
export async function countContact(
  db: Db,
  organizationId: string,
  contactId: string,
  messageId: string | null,
  now = Date.now(),
): Promise<boolean> {
  const { start } = await currentCycle(db, organizationId, now);
  const inserted = await db
    .insert(activeContacts)
    .values({ organizationId, cycleStart: start, contactId, messageId, countedAt: new Date(now) })
    .onConflictDoNothing()
    .returning({ contactId: activeContacts.contactId });
  return inserted.length > 0;
}

/**
 * Whether an automated message (an AI auto-reply today, automations later) may go to this contact now: yes
 * when the contact already counts this cycle, when the conversation is already in progress (something was sent
 * in it before), or while the organisation is under its cap; no for a new contact at the cap.
 */
export async function macAllowsAutomatedSend(
  env: AppBindings,
  db: Db,
  organizationId: string,
  target: { contactId: string; conversationId: string },
  now = Date.now(),
): Promise<boolean> {
  const { account, start } = await currentCycle(db, organizationId, now);
  const [counted] = await db
    .select({ id: activeContacts.contactId })
    .from(activeContacts)
    .where(
      and(
        eq(activeContacts.organizationId, organizationId),
        eq(activeContacts.cycleStart, start),
        eq(activeContacts.contactId, target.contactId),
      ),
    );
  if (counted) return true;
  const [sent] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.organizationId, organizationId),
        eq(messages.conversationId, target.conversationId),
        eq(messages.direction, 'OUTBOUND'),
        eq(messages.isNote, false),
        inArray(messages.deliveryStatus, ['SENT', 'DELIVERED', 'READ']),
      ),
    )
    .limit(1);
  if (sent) return true;
  const cap = limitsOf(env, await organizationPlan(db, organizationId), account).contacts;
  return (await countActive(db, organizationId, start)) < cap;
}

/** Records an automated message held at the contact cap (it was posted waiting for approval). */
export async function holdMessage(
  db: Db,
  held: { organizationId: string; messageId: string; conversationId: string; contactId: string },
): Promise<void> {
  await db.insert(heldMessages).values(held).onConflictDoNothing();
}

/**
 * Sends held messages, oldest first, while the cap allows (after an upgrade or a cycle reset). A message an
 * agent approved or rejected meanwhile is simply forgotten. Returns the ids sent.
 */
export async function releaseHeldMessages(env: AppBindings, db: Db, organizationId: string, now = Date.now()) {
  const held = await db
    .select()
    .from(heldMessages)
    .where(eq(heldMessages.organizationId, organizationId))
    .orderBy(asc(heldMessages.createdAt))
    .limit(100);
  const sent: string[] = [];
  for (const message of held) {
    if (!(await macAllowsAutomatedSend(env, db, organizationId, message, now))) break;
    // Counted before it goes, so the next decision sees it even before its message.sent event is handled.
    await countContact(db, organizationId, message.contactId, message.messageId, now);
    try {
      await approveMessage(env, organizationId, message.messageId);
      sent.push(message.messageId);
    } catch (error) {
      if (!(error instanceof ValidationError) && !(error instanceof NotFoundError)) {
        throw error;
      }
    }
    await db.delete(heldMessages).where(eq(heldMessages.messageId, message.messageId));
  }
  return sent;
}

const WARNING_COLUMN = { 80: billingAccounts.contactWarning80, 95: billingAccounts.contactWarning95 } as const;
const WARNING_FIELD = { 80: 'contactWarning80', 95: 'contactWarning95' } as const;

/** Mails the owners once per threshold per cycle when the count reaches 80 % / 95 % of the cap. */
async function warnOwners(env: AppBindings, db: Db, organizationId: string, now: number): Promise<void> {
  const usage = await contactUsage(env, db, organizationId, now);
  for (const threshold of CONTACT_WARNINGS) {
    if (usage.used * 100 < threshold * usage.cap) continue;
    const claimed = await db
      .update(billingAccounts)
      .set({ [WARNING_FIELD[threshold]]: usage.cycleStart })
      .where(
        and(
          eq(billingAccounts.organizationId, organizationId),
          sql`(${WARNING_COLUMN[threshold]} IS NULL OR ${WARNING_COLUMN[threshold]} <> ${usage.cycleStart})`,
        ),
      )
      .returning({ id: billingAccounts.organizationId });
    if (!claimed.length) continue;
    const owners = await db
      .select({ email: users.email })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(
        and(
          eq(memberships.organizationId, organizationId),
          eq(memberships.role, 'OWNER'),
          eq(memberships.status, 'ACTIVE'),
        ),
      );
    const origin = env.APP_ORIGIN ?? '';
    for (const owner of owners) {
      await sendMail(env, db, {
        organizationId,
        to: owner.email,
        subject: `HelpStack: ${threshold} % of your monthly active contacts used`,
        text: [
          `Your organisation has reached ${usage.used} of ${usage.cap} monthly active contacts this cycle (${threshold} %).`,
          'At 100 %, automated messages to new contacts are held until the plan is upgraded or the cycle resets; conversations in progress and contacts already reached this cycle are not affected.',
          `Upgrade: ${origin}/settings/billing`,
        ].join('\n\n'),
      });
    }
  }
}

/** Counts the contact of every outbound message that went out (sent or delivered) and warns at the thresholds. */
export const activeContactsSubscriber: Subscriber = {
  name: 'billing-active-contacts',
  on: ['message.sent', 'message.delivered'],
  async run(env, event) {
    if (event.type !== 'message.sent' && event.type !== 'message.delivered') return;
    const db = createDb(env.DB);
    const [conversation] = await db
      .select({ contactId: conversations.contactId })
      .from(conversations)
      .where(and(eq(conversations.organizationId, event.organizationId), eq(conversations.id, event.conversationId)));
    if (!conversation) return;
    const now = event.occurredAt;
    if (await countContact(db, event.organizationId, conversation.contactId, event.messageId, now)) {
      await warnOwners(env, db, event.organizationId, Date.now());
    }
  },
};
