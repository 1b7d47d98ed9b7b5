// Editing a reply that waits for approval (an AI draft, a held translated reply) before approving it: the
// edited text is what the customer receives, and the text as first drafted stays in originalContent (for
// analytics, and for "Show original" in the thread). Until the conversation actor's decide() takes the edited
// content itself, the edit is one patchMessage call to the actor right before the approval.
import { and, eq } from 'drizzle-orm';
import { conversationActor, loadMessageConversation, refOf } from '../conversations/refs';
import type { Db } from '../db/client';
import { messages } from '../db/schema';
import type { AppBindings } from '../env';
import { NotFoundError, ValidationError } from '../lib/errors';

export const DRAFT_CONTENT_MAX = 10_000;

export async function editPendingDraft(
  env: AppBindings,
  db: Db,
  organizationId: string,
  messageId: string,
  content: string,
): Promise<void> {
  const conversation = await loadMessageConversation(db, organizationId, messageId);
  const [row] = await db
    .select({
      content: messages.content,
      originalContent: messages.originalContent,
      approvalStatus: messages.approvalStatus,
      isNote: messages.isNote,
    })
    .from(messages)
    .where(and(eq(messages.id, messageId), eq(messages.organizationId, organizationId)))
    .limit(1);
  if (!row) throw new NotFoundError('Message');
  if (row.approvalStatus !== 'PENDING' || row.isNote) {
    throw ValidationError.field('content', 'Only a reply waiting for approval can be edited');
  }
  if (row.content === content) return;
  const patched = await conversationActor(env, conversation.id).patchMessage(refOf(conversation), messageId, {
    content,
    originalContent: row.originalContent ?? row.content,
  });
  if (!patched) throw new NotFoundError('Message');
}
