// The `ai.reply` job: drafts (or, with auto-approve, sends) an AI reply to an inbound message on a
// channel with auto-reply on. At most one AI reply per inbound message, however often the job runs.
import { and, eq, isNull, lt } from 'drizzle-orm';
import { createDb } from '../db/client';
import { aiAutoReplies, channels, conversations, messages } from '../db/schema';
import type { AppBindings } from '../env';
import type { JobOf } from '../jobs/types';
import { InsufficientTokensError, ValidationError } from '../lib/errors';
import { generateReply, type ReplyOptions } from './replies';

/** A claim older than this was left by a run that died; another run may take it over. */
const CLAIM_LEASE_MS = 5 * 60_000;

export async function runAutoReply(
  env: AppBindings,
  job: JobOf<'ai.reply'>,
  options: ReplyOptions = {},
): Promise<void> {
  const db = createDb(env.DB);
  const [row] = await db
    .select({ direction: messages.direction, autoReply: channels.autoReply, autoApprove: channels.autoApprove })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .innerJoin(channels, eq(channels.id, conversations.channelId))
    .where(
      and(
        eq(messages.organizationId, job.organizationId),
        eq(messages.id, job.messageId),
        eq(messages.conversationId, job.conversationId),
      ),
    );
  if (row?.direction !== 'INBOUND' || !row.autoReply) return;

  const now = Date.now();
  const claimed = await db
    .insert(aiAutoReplies)
    .values({ sourceMessageId: job.messageId, organizationId: job.organizationId, claimedAt: new Date(now) })
    .onConflictDoUpdate({
      target: aiAutoReplies.sourceMessageId,
      set: { claimedAt: new Date(now) },
      setWhere: and(isNull(aiAutoReplies.draftMessageId), lt(aiAutoReplies.claimedAt, new Date(now - CLAIM_LEASE_MS))),
    })
    .returning({ id: aiAutoReplies.sourceMessageId });
  if (!claimed.length) return;

  const release = () =>
    db
      .delete(aiAutoReplies)
      .where(and(eq(aiAutoReplies.sourceMessageId, job.messageId), isNull(aiAutoReplies.draftMessageId)));
  let draft: { id: string };
  try {
    draft = await generateReply(
      env,
      db,
      {
        organizationId: job.organizationId,
        conversationId: job.conversationId,
        messageId: job.messageId,
        approvalStatus: row.autoApprove ? 'NONE' : 'PENDING',
      },
      options,
    );
  } catch (error) {
    await release();
    // No tokens or no provider: retrying cannot help, the agents answer by hand.
    if (error instanceof InsufficientTokensError || error instanceof ValidationError) {
      console.warn(`Auto-reply skipped for message ${job.messageId}: ${error.message}`);
      return;
    }
    throw error;
  }
  await db
    .update(aiAutoReplies)
    .set({ draftMessageId: draft.id })
    .where(eq(aiAutoReplies.sourceMessageId, job.messageId));
}
