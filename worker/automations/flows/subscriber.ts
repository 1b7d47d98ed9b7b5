// Automations listening to the conversation's domain events:
// - a buyer's TikTok DM (message.accepted): sensitive keywords first (tag and/or hand off), then the running
//   flow takes it as the answer it waits for; with no flow running the conversation goes to a human (the bot
//   never improvises); once HUMAN the bot does nothing more;
// - an assignment (conversation.assigned, "Assign to…"): the new owner has it, state HUMAN;
// - the conversation resolved (conversation.status_changed to CLOSED/ARCHIVED): state CLOSED, the run stopped;
// - a teammate's reply carrying a TikTok Shop link (message.posted): recorded for order attribution.
import { and, eq } from 'drizzle-orm';
import { createDb, type Db } from '../../db/client';
import { channels, conversations, messages } from '../../db/schema';
import type { FanOutContext, Subscriber } from '../../events/fan-out';
import type { DomainEvent } from '../../events/types';
import { effectiveRules, matchRules } from '../handoff-rules';
import { findShopLinks, recordShopLinks } from '../shop-links';
import { addContactTags, closeAutomation, currentRun, handOff, loadAutomation, stepRun } from './runs';
import { markOwned } from './state';

async function messageWithConversation(db: Db, organizationId: string, messageId: string) {
  const [row] = await db
    .select({
      content: messages.content,
      direction: messages.direction,
      isNote: messages.isNote,
      senderType: messages.senderType,
      createdAt: messages.createdAt,
      conversationId: conversations.id,
      contactId: conversations.contactId,
      assignedToId: conversations.assignedToId,
      channelType: channels.type,
    })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .innerJoin(channels, eq(channels.id, conversations.channelId))
    .where(and(eq(messages.organizationId, organizationId), eq(messages.id, messageId)));
  return row ?? null;
}

export const OUT_OF_FLOW_REASON = 'The buyer wrote while no flow was running (the bot does not improvise)';

/**
 * The events DM flows act on (`run` returns at once on any other): messages of TikTok
 * conversations (the customer's, or an agent's reply that is not a note), an assignment to a member, and a
 * conversation resolved. Every other event skips the flow subscriber without claiming a run for it.
 */
function flowsWant(event: DomainEvent, context: FanOutContext): boolean {
  switch (event.type) {
    case 'message.accepted':
      return context.channel(event)?.type === 'TIKTOK';
    case 'message.posted':
      return event.senderType === 'AGENT' && !event.isNote && context.channel(event)?.type === 'TIKTOK';
    case 'conversation.assigned':
      return event.assignedToId !== null;
    case 'conversation.status_changed':
      return event.to === 'CLOSED' || event.to === 'ARCHIVED';
    default:
      return false;
  }
}

export const flowSubscriber: Subscriber = {
  name: 'automation-flows',
  on: ['message.accepted', 'message.posted', 'conversation.assigned', 'conversation.status_changed'],
  wants: flowsWant,
  async run(env, event) {
    const db = createDb(env.DB);
    const ref = { organizationId: event.organizationId, conversationId: event.conversationId };
    if (event.type === 'conversation.status_changed') {
      // Resolved by a teammate (or the wait window): the card shows Closed and the bot stops for good.
      if (event.to !== 'CLOSED' && event.to !== 'ARCHIVED') return;
      await closeAutomation(db, ref, event.occurredAt);
      return;
    }
    if (event.type === 'conversation.assigned') {
      if (!event.assignedToId) return;
      const automation = await loadAutomation(db, ref.organizationId, ref.conversationId);
      if (!automation) return;
      // Take it / Hand back already settled the state after this event happened; a stale assignment (the
      // conversation has another assignee now) changes nothing.
      if (automation.updatedAt.getTime() > event.occurredAt) return;
      const [conversation] = await db
        .select({ assignedToId: conversations.assignedToId })
        .from(conversations)
        .where(and(eq(conversations.organizationId, ref.organizationId), eq(conversations.id, ref.conversationId)));
      if (conversation?.assignedToId !== event.assignedToId) return;
      await markOwned(db, ref, event.assignedToId);
      return;
    }
    if (event.type === 'message.posted') {
      if (event.senderType !== 'AGENT' || event.isNote) return;
      const message = await messageWithConversation(db, event.organizationId, event.messageId);
      if (message?.channelType !== 'TIKTOK') return;
      const productIds = findShopLinks(message.content);
      if (!productIds.length) return;
      await recordShopLinks(
        db,
        {
          ...ref,
          contactId: message.contactId,
          messageId: event.messageId,
          sentAt: message.createdAt.getTime(),
        },
        productIds,
      );
      return;
    }
    if (event.type !== 'message.accepted') return;
    const message = await messageWithConversation(db, event.organizationId, event.messageId);
    if (message?.direction !== 'INBOUND' || message.channelType !== 'TIKTOK') return;
    const automation = await loadAutomation(db, ref.organizationId, ref.conversationId);
    const matched = matchRules(message.content, await effectiveRules(db, ref.organizationId));
    const tags = matched.flatMap((r) => (r.tag ? [r.tag] : []));
    await addContactTags(db, { organizationId: ref.organizationId, contactId: message.contactId }, tags, 'RULE');
    if (automation?.state === 'HUMAN') return;
    const sensitive = matched.find((r) => r.handoff);
    if (sensitive) {
      await handOff(
        env,
        db,
        ref,
        `Sensitive keyword "${sensitive.term}" in the buyer's message`,
        `message:${event.messageId}`,
        event.occurredAt,
      );
      return;
    }
    const run = await currentRun(db, ref.organizationId, ref.conversationId);
    if (run?.status === 'WAITING_REPLY') {
      const result = await stepRun(env, run.id, { kind: 'reply', text: message.content }, { inputId: event.messageId });
      if (result?.advanced || result?.run.lastInputId === event.messageId) return;
    }
    // A message during a Wait (or while the run is sending) is kept in the thread; the flow goes on after it.
    if (run && (run.status === 'WAITING_TIMER' || run.status === 'RUNNING')) return;
    if (run?.status === 'WAITING_REPLY') return;
    await handOff(env, db, ref, OUT_OF_FLOW_REASON, `message:${event.messageId}`, event.occurredAt);
  },
};
