// The analytics subscriber: turns domain events into reporting events (at most one each, keyed by the domain
// event's id) and re-derives the conversation's cycles at once. What an event does not carry (the channel of
// a status change, a message's sender or language) is read from D1, whose rows exist when the event arrives.
import type { AnalyticsEventKind } from '../db/schema';
import type { Subscriber } from '../events/fan-out';
import type { DomainEvent } from '../events/types';
import { deriveConversations, loadCalendar, type NewReportingEvent, recordEvent } from './store';

/** Statuses in which a conversation waits for nothing more from the team. */
const RESOLVED_STATUSES = new Set(['CLOSED', 'ARCHIVED', 'RESOLVED']);
const ACTIVE_STATUSES = new Set(['OPEN', 'PENDING']);

async function conversationChannel(d1: D1Database, organizationId: string, conversationId: string) {
  const row = await d1
    .prepare('SELECT channel_id FROM conversations WHERE id = ? AND organization_id = ?')
    .bind(conversationId, organizationId)
    .first<{ channel_id: string }>();
  return row?.channel_id ?? null;
}

async function messageFacts(d1: D1Database, organizationId: string, messageId: string) {
  return d1
    .prepare('SELECT sender_type, language FROM messages WHERE id = ? AND organization_id = ?')
    .bind(messageId, organizationId)
    .first<{ sender_type: string; language: string | null }>();
}

const userId = (event: DomainEvent) => (event.actor.type === 'USER' ? (event.actor.id ?? null) : null);

/** The reporting event a domain event makes, or null when analytics has nothing to count in it. */
export async function toReportingEvent(d1: D1Database, event: DomainEvent): Promise<NewReportingEvent | null> {
  const base = {
    id: event.id,
    organizationId: event.organizationId,
    conversationId: event.conversationId,
    occurredAt: event.occurredAt,
    agentId: null as string | null,
    language: null as string | null,
    messageId: null as string | null,
  };
  let kind: AnalyticsEventKind | null = null;
  let channelId: string | null = null;
  switch (event.type) {
    case 'conversation.opened':
      kind = 'OPENED';
      channelId = event.channelId;
      break;
    case 'message.accepted': {
      kind = 'CUSTOMER_MESSAGE';
      channelId = event.channelId;
      base.messageId = event.messageId;
      // The translation subscriber runs first and settles the message's language.
      base.language = (await messageFacts(d1, event.organizationId, event.messageId))?.language ?? null;
      break;
    }
    case 'message.posted':
      channelId = event.channelId;
      base.messageId = event.messageId;
      base.agentId = userId(event);
      if (event.isNote) kind = 'NOTE';
      else if (event.senderType === 'SYSTEM') kind = 'AUTO_ACK';
      else if (event.senderType === 'AI') kind = event.approvalStatus === 'PENDING' ? 'AI_DRAFT' : 'AI_REPLY';
      else if (event.senderType === 'AGENT') kind = 'AGENT_REPLY';
      break;
    case 'message.approved':
    case 'message.rejected': {
      // Only AI drafts are counted: an agent's reply held for translation was already counted when written.
      const facts = await messageFacts(d1, event.organizationId, event.messageId);
      if (facts?.sender_type !== 'AI') return null;
      // An edited draft is its own kind (an approval all the same), so the events alone rebuild the count.
      if (event.type === 'message.rejected') kind = 'AI_DRAFT_REJECTED';
      else kind = event.edited ? 'AI_DRAFT_EDITED' : 'AI_DRAFT_APPROVED';
      channelId = event.channelId;
      base.messageId = event.messageId;
      base.agentId = userId(event);
      break;
    }
    case 'conversation.status_changed': {
      if (ACTIVE_STATUSES.has(event.from) && RESOLVED_STATUSES.has(event.to)) kind = 'RESOLVED';
      else if (RESOLVED_STATUSES.has(event.from) && ACTIVE_STATUSES.has(event.to)) kind = 'REOPENED';
      else return null;
      base.agentId = userId(event);
      channelId = await conversationChannel(d1, event.organizationId, event.conversationId);
      break;
    }
    default:
      return null;
  }
  if (!kind || !channelId) return null;
  return { ...base, kind, channelId };
}

export const analyticsSubscriber: Subscriber = {
  name: 'analytics',
  on: [
    'conversation.opened',
    'message.accepted',
    'message.posted',
    'message.approved',
    'message.rejected',
    'conversation.status_changed',
  ],
  async run(env, event) {
    const d1 = env.DB;
    const reporting = await toReportingEvent(d1, event);
    if (!reporting) return;
    const calendar = await loadCalendar(d1, event.organizationId);
    await recordEvent(d1, reporting, calendar);
    await deriveConversations(d1, calendar, event.organizationId, [event.conversationId]);
  },
};
