// Queue jobs about one conversation's messages that are not domain-event subscribers: re-attempting a delivery.
import { createDb } from '../db/client';
import type { AppBindings } from '../env';
import type { JobOf } from '../jobs/types';
import { deliverMessage } from './pipeline';
import { conversationActor, loadConversation, refOf } from './refs';

/** Re-attempts delivery of an outbound message (e.g. after an adapter outage); a delivered one is left alone. */
export async function onMessageDeliver(env: AppBindings, job: JobOf<'message.deliver'>): Promise<void> {
  const db = createDb(env.DB);
  const conversation = await loadConversation(db, job.organizationId, job.conversationId).catch(() => null);
  if (!conversation) return;
  const message = await conversationActor(env, conversation.id).getMessage(refOf(conversation), job.messageId);
  if (!message || message.deliveryStatus === 'SENT' || message.deliveryStatus === 'DELIVERED') return;
  await deliverMessage(env, db, conversation, message);
}
