// How the rest of the Worker reaches a conversation: its actor's handle (the only way to get one) and the
// org-scoped D1 lookups that precede every call to it.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { type Conversation, conversations, messages } from '../db/schema';
import type { AppBindings } from '../env';
import { NotFoundError } from '../lib/errors';
import type { ConversationActor } from './actor';
import type { ConversationRef } from './log';

export function conversationActor(env: AppBindings, conversationId: string): DurableObjectStub<ConversationActor> {
  const namespace = env.CONVERSATIONS as DurableObjectNamespace<ConversationActor>;
  return namespace.get(namespace.idFromName(conversationId));
}

export function refOf(conversation: Pick<Conversation, 'id' | 'organizationId'>): ConversationRef {
  return { id: conversation.id, organizationId: conversation.organizationId };
}

/** A conversation of the organisation, or 404 (also for another organisation's id). */
export async function loadConversation(db: Db, organizationId: string, conversationId: string): Promise<Conversation> {
  const [row] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, conversationId), eq(conversations.organizationId, organizationId)))
    .limit(1);
  if (!row) throw new NotFoundError('Conversation');
  return row;
}

/** The conversation a message of the organisation belongs to, or 404. */
export async function loadMessageConversation(db: Db, organizationId: string, messageId: string) {
  const [row] = await db
    .select({ conversationId: messages.conversationId })
    .from(messages)
    .where(and(eq(messages.id, messageId), eq(messages.organizationId, organizationId)))
    .limit(1);
  if (!row) throw new NotFoundError('Message');
  return loadConversation(db, organizationId, row.conversationId);
}
