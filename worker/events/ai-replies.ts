// AI replies as a subscriber: a customer message on a channel with auto-reply on asks for the `ai.reply`
// job, which composes a reply (ai/replies.ts returns it) and posts it through the pipeline as a draft (or,
// with auto-approve, sends it). At most one AI reply per inbound message, however often either runs.
import { and, eq, isNull, lt } from 'drizzle-orm';
import { DONT_KNOW_REPLY } from '../ai/providers/builtin';
import { generateReply, type ReplyOptions } from '../ai/replies';
import { automationHoldsConversation } from '../automations/flows/runs';
import { holdMessage, macAllowsAutomatedSend } from '../billing/contacts';
import { isAutomatedEmail } from '../channels/email/automated';
import { postOutbound } from '../conversations/pipeline';
import { createDb } from '../db/client';
import { aiAutoReplies, channels, conversations, messages } from '../db/schema';
import type { AppBindings } from '../env';
import { enqueue, type JobOf } from '../jobs/types';
import { ConflictError, InsufficientTokensError, ValidationError } from '../lib/errors';
import { batchContext, type Subscriber } from './fan-out';
import { handOff, humanAnsweredSince, needsHuman } from './needs-human';

export const aiReplySubscriber: Subscriber = {
  name: 'ai-replies',
  on: ['message.accepted'],
  // A channel without auto-reply gives it nothing to do (and no run to claim).
  wants: (event, context) => event.type === 'message.accepted' && context.channel(event)?.autoReply === true,
  async run(env, event, context) {
    if (event.type !== 'message.accepted') return;
    const db = createDb(env.DB);
    const channel = (context ?? (await batchContext(db, [event]))).channel(event);
    if (!channel?.autoReply) return;
    const { organizationId, conversationId, messageId } = event;
    const [held, handedOff, automated] = await Promise.all([
      // A flow, the wait for the buyer's answer or a teammate holds the conversation: the bot never improvises.
      automationHoldsConversation(db, organizationId, conversationId),
      // The AI handed the conversation to a human: it stays silent until it is handed back (the job checks again).
      needsHuman(db, organizationId, conversationId),
      // Auto-replies and bounces are never answered automatically (no loops between auto-responders).
      isAutomatedEmail(db, channel.type, organizationId, messageId),
    ]);
    if (held || handedOff || automated) return;
    await enqueue(env.JOBS, {
      kind: 'ai.reply',
      organizationId: event.organizationId,
      conversationId: event.conversationId,
      messageId: event.messageId,
    });
  },
};

/** A claim older than this was left by a run that died; another run may take it over. */
const CLAIM_LEASE_MS = 5 * 60_000;

export async function runAutoReply(
  env: AppBindings,
  job: JobOf<'ai.reply'>,
  options: ReplyOptions = {},
): Promise<void> {
  const db = createDb(env.DB);
  const [row] = await db
    .select({
      direction: messages.direction,
      autoReply: channels.autoReply,
      autoApprove: channels.autoApprove,
      contactId: conversations.contactId,
      channelType: channels.type,
    })
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
  if (await isAutomatedEmail(db, row.channelType, job.organizationId, job.messageId)) return;
  // Handed to a human since the subscriber asked: nothing to claim (checked again once claimed, below).
  if (await needsHuman(db, job.organizationId, job.conversationId)) return;

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
  // The AI already said it cannot answer here, or a teammate answered since the question: the AI stays silent
  // (events/needs-human.ts).
  const handedOff =
    (await needsHuman(db, job.organizationId, job.conversationId)) ||
    (await humanAnsweredSince(db, job.organizationId, job.conversationId, job.messageId));

  const release = () =>
    db
      .delete(aiAutoReplies)
      .where(and(eq(aiAutoReplies.sourceMessageId, job.messageId), isNull(aiAutoReplies.draftMessageId)));
  let draft: { id: string };
  if (handedOff) {
    await release();
    return;
  }
  try {
    // At the contact cap, an auto-approved reply to a new contact waits (billing/contacts.ts releases it).
    const held =
      row.autoApprove &&
      !(await macAllowsAutomatedSend(env, db, job.organizationId, {
        contactId: row.contactId,
        conversationId: job.conversationId,
      }));
    const reply = await generateReply(
      env,
      db,
      {
        organizationId: job.organizationId,
        conversationId: job.conversationId,
        messageId: job.messageId,
        idempotencyKey: `ai.reply:${job.messageId}`,
      },
      options,
    );
    if (reply.content === DONT_KNOW_REPLY) {
      await handOff(env, db, job, 'The AI could not answer from the knowledge base');
    }
    draft = await postOutbound(env, { ...reply, approvalStatus: row.autoApprove && !held ? 'NONE' : 'PENDING' });
    if (held) {
      await holdMessage(db, {
        organizationId: job.organizationId,
        messageId: draft.id,
        conversationId: job.conversationId,
        contactId: row.contactId,
      });
    }
  } catch (error) {
    await release();
    // No tokens or no provider: retrying cannot help, the agents answer by hand.
    // A channel that cannot take an automated reply now (a closed messaging window) is not retried either.
    if (
      error instanceof InsufficientTokensError ||
      error instanceof ValidationError ||
      error instanceof ConflictError
    ) {
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
