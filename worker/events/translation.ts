// The translation subscriber: settles each customer message's language (before anything answers it) and asks
// for translations: of customer messages into the agents' language, of held replies into the customer's.
import { loadConversation } from '../conversations/refs';
import { createDb } from '../db/client';
import { enqueue } from '../jobs/types';
import { inboundNeedsTranslation, settleInboundLanguage } from '../translation/messages';
import { batchContext, type Subscriber } from './fan-out';

export const translationSubscriber: Subscriber = {
  name: 'translation',
  on: ['message.accepted', 'message.posted'],
  wants: (event) => event.type === 'message.accepted' || (event.type === 'message.posted' && event.awaitingTranslation),
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
    const conversation = await loadConversation(db, event.organizationId, event.conversationId).catch(() => null);
    if (!conversation) return;
    const channel = (context ?? (await batchContext(db, [event]))).channel(event);
    if (!channel || channel.id !== conversation.channelId) return;
    const message = await settleInboundLanguage(env, conversation, channel, event.messageId);
    if (message && inboundNeedsTranslation(channel, message)) await enqueue(env.JOBS, job);
  },
};
