import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ownerWithWebsiteChat } from '../../test/client';
import { ensureBuiltinProvider } from '../ai/providers/builtin';
import { receiveInbound } from '../conversations/pipeline';
import { createDb } from '../db/client';
import { activeContacts, billingAccounts, heldMessages, messages, organizations, outboundEmails } from '../db/schema';
import { runAutoReply } from '../events/ai-replies';
import type { DomainEvent } from '../events/types';
import { ensureAccount } from './account';
import { activeContactsSubscriber, contactUsage, macAllowsAutomatedSend, releaseHeldMessages } from './contacts';
import { cycleContaining } from './cycle';
import { runBillingUpkeep } from './upkeep';

const db = createDb(env.DB);

/** An Enterprise organisation with a contact cap of `cap` (custom terms), and its website chat. */
async function capped(cap: number, channel: Record<string, unknown> = {}) {
  const owner = await ownerWithWebsiteChat(channel);
  await db.update(organizations).set({ plan: 'ENTERPRISE' }).where(eq(organizations.id, owner.organizationId));
  await ensureAccount(db, owner.organizationId);
  await db
    .update(billingAccounts)
    .set({ customContacts: cap })
    .where(eq(billingAccounts.organizationId, owner.organizationId));
  return owner;
}

async function conversationWith(organizationId: string, channelId: string, visitor: string) {
  const { conversation, message } = await receiveInbound(env, {
    organizationId,
    channelId,
    externalContactId: visitor,
    content: 'How long does express delivery take?',
    contact: { name: visitor },
  });
  return { conversation, message };
}

function sentEvent(
  organizationId: string,
  conversationId: string,
  type: 'message.sent' | 'message.delivered' = 'message.sent',
) {
  return {
    id: crypto.randomUUID(),
    type,
    organizationId,
    conversationId,
    occurredAt: Date.now(),
    actor: { type: 'SYSTEM' },
    messageId: crypto.randomUUID(),
    channelId: 'ch',
    detail: null,
  } as DomainEvent;
}

/** Counts `n` other contacts directly (the cap is about the number, not who they are). */
async function fill(organizationId: string, n: number) {
  const account = await ensureAccount(db, organizationId);
  const start = cycleContaining(account.cycleAnchor.getTime(), Date.now()).start;
  for (let i = 0; i < n; i++) {
    await db.insert(activeContacts).values({ organizationId, cycleStart: start, contactId: crypto.randomUUID() });
  }
}

async function warningMails(organizationId: string) {
  const rows = await db.select().from(outboundEmails).where(eq(outboundEmails.organizationId, organizationId));
  return rows.map((r) => r.subject).filter((s) => s.includes('monthly active contacts'));
}

/**
 * A workspace at its cap of one contact whose AI replies are approved automatically; a new contact writes and
 * the AI answers.
 */
async function aiReplyToNewcomerAtCap() {
  const { organizationId, channelId } = await capped(1, { autoReply: true, autoApprove: true });
  await ensureBuiltinProvider(db, organizationId);
  await fill(organizationId, 1);
  const { conversation, message } = await conversationWith(organizationId, channelId, 'newcomer');
  await runAutoReply(env, {
    kind: 'ai.reply',
    organizationId,
    conversationId: conversation.id,
    messageId: message.id,
  });
  return { organizationId, conversation };
}

describe('monthly active contacts', () => {
  it('a contact counts once per cycle, on its first outbound message, bot or human', async () => {
    const { organizationId, channelId } = await capped(10);
    const a = await conversationWith(organizationId, channelId, 'visitor-a');
    const b = await conversationWith(organizationId, channelId, 'visitor-b');
    // Inbound only: nobody counts yet.
    expect((await contactUsage(env, db, organizationId)).used).toBe(0);
    await activeContactsSubscriber.run(env, sentEvent(organizationId, a.conversation.id));
    await activeContactsSubscriber.run(env, sentEvent(organizationId, a.conversation.id, 'message.delivered'));
    await activeContactsSubscriber.run(env, sentEvent(organizationId, a.conversation.id));
    expect((await contactUsage(env, db, organizationId)).used).toBe(1);
    await activeContactsSubscriber.run(env, sentEvent(organizationId, b.conversation.id, 'message.delivered'));
    expect(await contactUsage(env, db, organizationId)).toMatchObject({ used: 2, cap: 10, level: 0 });
  });

  it('mails the owners once at 80 % and once at 95 % per cycle', async () => {
    const { organizationId, channelId } = await capped(20);
    await fill(organizationId, 15);
    const c16 = await conversationWith(organizationId, channelId, 'visitor-16');
    await activeContactsSubscriber.run(env, sentEvent(organizationId, c16.conversation.id));
    expect(await warningMails(organizationId)).toEqual(['HelpStack: 80 % of your monthly active contacts used']);
    expect((await contactUsage(env, db, organizationId)).level).toBe(80);
    // The same contact again, and another contact under 95 %: no second mail.
    await activeContactsSubscriber.run(env, sentEvent(organizationId, c16.conversation.id));
    const c17 = await conversationWith(organizationId, channelId, 'visitor-17');
    await activeContactsSubscriber.run(env, sentEvent(organizationId, c17.conversation.id));
    expect(await warningMails(organizationId)).toHaveLength(1);
    await fill(organizationId, 1);
    const c19 = await conversationWith(organizationId, channelId, 'visitor-19');
    await activeContactsSubscriber.run(env, sentEvent(organizationId, c19.conversation.id));
    expect(await warningMails(organizationId)).toEqual([
      'HelpStack: 80 % of your monthly active contacts used',
      'HelpStack: 95 % of your monthly active contacts used',
    ]);
    const c20 = await conversationWith(organizationId, channelId, 'visitor-20');
    await activeContactsSubscriber.run(env, sentEvent(organizationId, c20.conversation.id));
    expect(await warningMails(organizationId)).toHaveLength(2);
    expect(await contactUsage(env, db, organizationId)).toMatchObject({ used: 20, level: 100 });
  });

  it('at 100 % a new contact is refused; counted contacts and conversations in progress are not', async () => {
    const { organizationId, channelId } = await capped(2);
    const known = await conversationWith(organizationId, channelId, 'known');
    await activeContactsSubscriber.run(env, sentEvent(organizationId, known.conversation.id));
    await fill(organizationId, 1);
    const fresh = await conversationWith(organizationId, channelId, 'fresh');
    const target = (c: typeof known) => ({ contactId: c.conversation.contactId, conversationId: c.conversation.id });
    expect(await macAllowsAutomatedSend(env, db, organizationId, target(known))).toBe(true);
    expect(await macAllowsAutomatedSend(env, db, organizationId, target(fresh))).toBe(false);
    // Something already went out in this conversation: it is in progress and continues.
    await db
      .update(messages)
      .set({ direction: 'OUTBOUND', deliveryStatus: 'DELIVERED' })
      .where(eq(messages.id, fresh.message.id));
    expect(await macAllowsAutomatedSend(env, db, organizationId, target(fresh))).toBe(true);
  });

  it('an auto-approved AI reply to a new contact at the cap is held, and goes out when the cycle resets', async () => {
    const { organizationId, conversation } = await aiReplyToNewcomerAtCap();
    const [reply] = await db
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, conversation.id), eq(messages.senderType, 'AI')));
    expect(reply).toMatchObject({ approvalStatus: 'PENDING', deliveryStatus: 'NOT_SENT' });
    const held = await db.select().from(heldMessages).where(eq(heldMessages.organizationId, organizationId));
    expect(held).toEqual([expect.objectContaining({ messageId: reply!.id, contactId: conversation.contactId })]);
    expect((await contactUsage(env, db, organizationId)).held).toBe(1);

    // Still at the cap: nothing is released.
    expect(await releaseHeldMessages(env, db, organizationId)).toEqual([]);

    const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.organizationId, organizationId));
    await runBillingUpkeep(env, account!.cycleEnd.getTime() + 1000);
    const [sent] = await db.select().from(messages).where(eq(messages.id, reply!.id));
    expect(sent!.approvalStatus).toBe('APPROVED');
    expect(sent!.deliveryStatus).not.toBe('NOT_SENT');
    expect(await db.select().from(heldMessages).where(eq(heldMessages.organizationId, organizationId))).toEqual([]);
  });

  it('held messages go out when the plan grows', async () => {
    const { organizationId } = await aiReplyToNewcomerAtCap();
    await db
      .update(billingAccounts)
      .set({ customContacts: 5 })
      .where(eq(billingAccounts.organizationId, organizationId));
    const released = await releaseHeldMessages(env, db, organizationId);
    expect(released).toHaveLength(1);
    const [sent] = await db.select().from(messages).where(eq(messages.id, released[0]!));
    expect(sent!.approvalStatus).toBe('APPROVED');
    expect((await contactUsage(env, db, organizationId)).used).toBe(2);
  });
});
