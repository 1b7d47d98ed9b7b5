// The translation subscriber: settles the language of a customer message the actor could not (before anything
// answers it) and asks for translations: of customer messages into the agents' language, of held replies into
// the customer's.
import { loadConversation } from '../conversations/refs';
import { createDb } from '../db/client';
import type { Channel } from '../db/schema';
import { enqueue } from '../jobs/types';
import { agentLanguage } from '../translation/detect';
import { inboundNeedsTranslation, settleInboundLanguage } from '../translation/messages';
import { batchContext, type FanOutContext, type Subscriber } from './fan-out';
import type { DomainEvent } from './types';

type Accepted = Extract<DomainEvent, { type: 'message.accepted' }>;

/**
 * What a customer message still needs from this subscriber, from the event alone: the actor settles the
 * language from the text or the conversation as it stores the message, so only one it left without a language
 * goes through settling (the channel's fallback language), and one in another language than the agents' is
 * translated when the channel translates. Events stored before the actor settled languages take the old road.
 */
function acceptedNeeds(event: Accepted, channel: Channel | null): 'settle' | 'translate' | null {
  if (!channel) return null;
  if (event.language === undefined) return 'settle';
  if (event.language === null) return channel.fallbackLanguage ? 'settle' : null;
  return channel.autoTranslate && event.language !== agentLanguage(channel) ? 'translate' : null;
}

export const translationSubscriber: Subscriber = {
  name: 'translation',
  on: ['message.accepted', 'message.posted'],
  wants: (event, context: FanOutContext) =>
    event.type === 'message.accepted'
      ? acceptedNeeds(event, context.channel(event)) !== null
      : event.type === 'message.posted' && event.awaitingTranslation,
  async run(env, event, context) {
    if (event.type === 'message.posted' && !event.awaitingTranslation) return;
    if (event.type !== 'message.accepted' && event.type !== 'message.posted') return;
    const job = {
      kind: 'message.translate',
      organizationId: event.organizationId,
      conversationId: event.conversationId,
      messageId: event.messageId,
    } as const;
    if (event.type === 'message.posted') return enqueue(env.JOBS, job);
    const db = createDb(env.DB);
    const channel = (context ?? (await batchContext(db, [event]))).channel(event);
    const needs = acceptedNeeds(event, channel);
    // The job checks the message itself again (its text, a translation already made).
    if (needs === 'translate') return enqueue(env.JOBS, job);
    if (needs !== 'settle' || !channel) return;
    const conversation = await loadConversation(db, event.organizationId, event.conversationId).catch(() => null);
    if (!conversation || channel.id !== conversation.channelId) return;
    const message = await settleInboundLanguage(env, conversation, channel, event.messageId);
    if (message && inboundNeedsTranslation(channel, message)) await enqueue(env.JOBS, job);
  },
};
