// The analytics subscriber: turns domain events into reporting events (at most one each, keyed by the domain
// event's id) and re-derives their conversations' cycles: at once when called on its own, once per queue batch
// when the fan-out runs it. What an event does not carry (the channel of a status change, a message's sender or
// language) is read by the statement that stores it, from D1 rows that exist when the event arrives.
import type { Subscriber } from '../events/fan-out';
import type { DomainEvent } from '../events/types';
import { calendarsOf, deriveConversations, loadCalendar, type ReportingDraft, recordEvent } from './store';

/** Statuses in which a conversation waits for nothing more from the team. */
const RESOLVED_STATUSES = new Set(['CLOSED', 'ARCHIVED', 'RESOLVED']);
const ACTIVE_STATUSES = new Set(['OPEN', 'PENDING']);

const userId = (event: DomainEvent) => (event.actor.type === 'USER' ? (event.actor.id ?? null) : null);

/** The reporting event a domain event makes, or null when analytics has nothing to count in it. */
export function toReportingEvent(event: DomainEvent): ReportingDraft | null {
  const base = {
    id: event.id,
    organizationId: event.organizationId,
    conversationId: event.conversationId,
    occurredAt: event.occurredAt,
    agentId: null as string | null,
    messageId: null as string | null,
    channelId: event.channelId as string | null,
    languageOfMessage: false,
    onlyAiMessage: false,
  };
  switch (event.type) {
    case 'conversation.opened':
      return { ...base, kind: 'OPENED' };
    case 'message.accepted':
      // The actor stored the message with its language (the translation subscriber, which runs first, applies a
      // channel's fallback language to one left without).
      return { ...base, kind: 'CUSTOMER_MESSAGE', messageId: event.messageId, languageOfMessage: true };
    case 'message.posted': {
      const posted = { ...base, messageId: event.messageId, agentId: userId(event) };
      if (event.isNote) return { ...posted, kind: 'NOTE' };
      if (event.senderType === 'SYSTEM') return { ...posted, kind: 'AUTO_ACK' };
      if (event.senderType === 'AI')
        return { ...posted, kind: event.approvalStatus === 'PENDING' ? 'AI_DRAFT' : 'AI_REPLY' };
      if (event.senderType === 'AGENT') return { ...posted, kind: 'AGENT_REPLY' };
      return null;
    }
    case 'message.approved':
    case 'message.rejected':
      return {
        ...base,
        // Only AI drafts are counted: an agent's reply held for translation was already counted when written.
        onlyAiMessage: true,
        // An edited draft is its own kind (an approval all the same), so the events alone rebuild the count.
        kind:
          event.type === 'message.rejected'
            ? 'AI_DRAFT_REJECTED'
            : event.edited
              ? 'AI_DRAFT_EDITED'
              : 'AI_DRAFT_APPROVED',
        messageId: event.messageId,
        agentId: userId(event),
      };
    case 'conversation.status_changed': {
      const moved = { ...base, agentId: userId(event), channelId: null };
      if (ACTIVE_STATUSES.has(event.from) && RESOLVED_STATUSES.has(event.to)) return { ...moved, kind: 'RESOLVED' };
      if (RESOLVED_STATUSES.has(event.from) && ACTIVE_STATUSES.has(event.to)) return { ...moved, kind: 'REOPENED' };
      return null;
    }
    default:
      return null;
  }
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
  // A status change that neither resolves nor reopens counts nothing.
  wants: (event) => toReportingEvent(event) !== null,
  async run(env, event, context) {
    const reporting = toReportingEvent(event);
    if (!reporting) return;
    const d1 = env.DB;
    const calendar = context
      ? (await context.once(calendarsOf)).get(event.organizationId)!
      : await loadCalendar(d1, event.organizationId);
    const recorded = await recordEvent(d1, reporting, calendar);
    // In a batch, the batch's conversations are derived together once it is done (`afterBatch`).
    if (recorded && !context) await deriveConversations(d1, event.organizationId, [event.conversationId]);
  },
  /**
   * Derives the conversations of the batch's reporting events at once, per organisation. Best effort: a
   * conversation left stale here is derived by the minute cron or the next report (`flushOrganization`).
   */
  async afterBatch(env, _context, done) {
    const byOrganization = new Map<string, Set<string>>();
    for (const event of done) {
      if (!toReportingEvent(event)) continue;
      const ids = byOrganization.get(event.organizationId) ?? new Set();
      byOrganization.set(event.organizationId, ids.add(event.conversationId));
    }
    for (const [organizationId, ids] of byOrganization) {
      await deriveConversations(env.DB, organizationId, [...ids]);
    }
  },
};
