// Comment intake and the live evaluation: each comment is stored once (deduped on the provider's comment id),
// evaluated in the `automation.comment` job with the pure evaluator, and acted on under two claims made in D1
// before anything is sent: the (trigger × commenter) throttle row and the comment's one DM row. The DM takes
// the one outbound road (postOutbound, deduped by `comment:<id>`), so a retry or a second worker cannot send
// twice; every trigger gets a line in the evaluation log.
import { and, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import { holdMessage, macAllowsAutomatedSend } from '../billing/contacts';
import { COMMENT_DM_PREFIX } from '../channels/tiktok/adapter';
import { saveTikTokProfile } from '../channels/tiktok/profile';
import { openConversation, upsertContact } from '../conversations/intake';
import type { LogMessage } from '../conversations/log';
import { deliverMessage, postOutbound } from '../conversations/pipeline';
import { createDb, type Db } from '../db/client';
import {
  type AutomationComment,
  automationComments,
  automationDms,
  automationEvaluations,
  channels,
  messageEvents,
} from '../db/schema';
import type { AppBindings } from '../env';
import { syncPosts } from '../integrations/sync';
import { enqueue, type JobOf } from '../jobs/types';
import { evaluate, THROTTLE_MS, type TriggerResult } from './evaluator';
import { asRule, gatherFacts, loadPost, loadTriggers, type StoredTrigger } from './facts';
import { startFlowRun } from './flows/runs';
import type { DmAction } from './rules';
import { commentSource } from './sources';

/** The evaluation log keeps this many entries per trigger. */
export const EVALUATIONS_KEPT = 50;
/** A run that claimed a comment's DM and has not recorded it after this long is assumed dead. */
const DM_LEASE_MS = 2 * 60_000;
/** A comment still PENDING after this long had its job lost: the cron sends it again. */
const PENDING_SWEEP_MS = 2 * 60_000;

export interface IncomingComment {
  organizationId: string;
  channelId: string;
  commentId: string;
  postId: string;
  authorId: string;
  authorName: string | null;
  /** The commenter's @handle (no `@`) and https avatar, when TikTok sent them. */
  authorHandle?: string | null;
  authorAvatarUrl?: string | null;
  text: string;
  createdAt: number;
}

/**
 * Stores a comment once; only the first delivery of a comment id is evaluated: right after the answer when the
 * caller can keep working after it (`defer`, the webhook's waitUntil), else by the `automation.comment` job.
 * Either way a comment whose evaluation was lost stays PENDING and the cron's sweep sends it to the queue.
 */
export async function acceptComment(
  env: AppBindings,
  db: Db,
  comment: IncomingComment,
  receivedAt = Date.now(),
  defer?: (work: Promise<unknown>) => void,
): Promise<{ stored: boolean }> {
  const inserted = await db
    .insert(automationComments)
    .values({
      organizationId: comment.organizationId,
      commentId: comment.commentId,
      channelId: comment.channelId,
      postId: comment.postId,
      commenterId: comment.authorId,
      commenterName: comment.authorName,
      commenterHandle: comment.authorHandle ?? null,
      commenterAvatarUrl: comment.authorAvatarUrl ?? null,
      text: comment.text,
      // A provider clock ahead of ours cannot move a comment into the future.
      commentedAt: new Date(Math.min(comment.createdAt, receivedAt)),
      receivedAt: new Date(receivedAt),
    })
    .onConflictDoNothing()
    .returning({ id: automationComments.commentId });
  if (!inserted.length) return { stored: false };
  if (defer) {
    defer(
      evaluateComment(env, comment.organizationId, comment.commentId).catch((error) =>
        console.error(`Comment ${comment.commentId}: evaluation failed, the sweep retries it:`, error),
      ),
    );
    return { stored: true };
  }
  try {
    await enqueue(env.JOBS, {
      kind: 'automation.comment',
      organizationId: comment.organizationId,
      commentId: comment.commentId,
    });
  } catch (error) {
    // The comment is stored PENDING: the cron's sweep enqueues it again.
    console.error(`Comment ${comment.commentId} stored but its evaluation was not enqueued:`, error);
  }
  return { stored: true };
}

/** Cron: comments whose evaluation job was lost. */
export async function sweepPendingComments(env: AppBindings, db: Db, now = Date.now()): Promise<number> {
  const rows = await db
    .select({ organizationId: automationComments.organizationId, commentId: automationComments.commentId })
    .from(automationComments)
    .where(
      and(
        eq(automationComments.status, 'PENDING'),
        lt(automationComments.receivedAt, new Date(now - PENDING_SWEEP_MS)),
      ),
    )
    .limit(100);
  for (const row of rows) await enqueue(env.JOBS, { kind: 'automation.comment', ...row });
  return rows.length;
}

export interface DmOutcome {
  status: 'SENT' | 'FAILED' | 'QUEUED' | 'SKIPPED';
  detail: string;
  conversationId?: string;
  messageId?: string;
}

interface DmContext {
  env: AppBindings;
  db: Db;
  comment: AutomationComment;
  trigger: StoredTrigger;
}

async function failureDetail(db: Db, messageId: string): Promise<string | null> {
  const [row] = await db
    .select({ detail: messageEvents.detail })
    .from(messageEvents)
    .where(and(eq(messageEvents.messageId, messageId), eq(messageEvents.type, 'FAILED')))
    .orderBy(desc(messageEvents.createdAt))
    .limit(1);
  return row?.detail ?? null;
}

/** The commenter as a contact of the TikTok channel, and their open conversation (opened if needed). */
async function commenterConversation(ctx: DmContext) {
  const { env, db, comment } = ctx;
  const [channel] = await db.select().from(channels).where(eq(channels.id, comment.channelId));
  if (!channel) return null;
  const contact = await upsertContact(db, channel, comment.commenterId, { name: comment.commenterName });
  await saveTikTokProfile(
    db,
    { organizationId: channel.organizationId, channelId: channel.id, externalId: comment.commenterId },
    { handle: comment.commenterHandle, avatarUrl: comment.commenterAvatarUrl },
  );
  const { conversation } = await openConversation(env, db, contact, { at: comment.commentedAt });
  return { contact, conversation };
}

/** The outcome of a DM the pipeline stored: sent, failed with TikTok's reason, or held at the contact cap. */
async function dmOutcome(db: Db, conversationId: string, message: LogMessage, prefix = ''): Promise<DmOutcome> {
  const ids = { conversationId, messageId: message.id };
  if (message.approvalStatus === 'PENDING') {
    return {
      ...ids,
      status: 'QUEUED',
      detail: `${prefix}contact cap: the monthly active contacts cap is reached, the DM is queued`,
    };
  }
  if (message.deliveryStatus === 'FAILED') {
    return {
      ...ids,
      status: 'FAILED',
      detail: `${prefix}DM failed: ${(await failureDetail(db, message.id)) ?? 'TikTok refused it'}`,
    };
  }
  if (message.deliveryStatus === 'NOT_SENT' || message.deliveryStatus === 'QUEUED') {
    return { ...ids, status: 'FAILED', detail: `${prefix}DM not sent (${message.deliveryStatus})` };
  }
  return { ...ids, status: 'SENT', detail: `${prefix}DM sent` };
}

/** `MESSAGE`: one configured message. */
async function sendMessageAction(ctx: DmContext, action: Extract<DmAction, { kind: 'MESSAGE' }>): Promise<DmOutcome> {
  const { env, db, comment } = ctx;
  const target = await commenterConversation(ctx);
  if (!target) return { status: 'SKIPPED', detail: 'The TikTok channel no longer exists' };
  const { contact, conversation } = target;
  // The contact cap (billing/contacts.ts): a DM to a new contact at 100 % is queued, not sent.
  const allowed = await macAllowsAutomatedSend(env, db, comment.organizationId, {
    contactId: contact.id,
    conversationId: conversation.id,
  });
  let message = await postOutbound(env, {
    organizationId: comment.organizationId,
    conversationId: conversation.id,
    senderType: 'SYSTEM',
    content: action.text,
    externalId: `${COMMENT_DM_PREFIX}${comment.commentId}`,
    approvalStatus: allowed ? 'NONE' : 'PENDING',
  });
  if (!allowed) {
    await holdMessage(db, {
      organizationId: comment.organizationId,
      messageId: message.id,
      conversationId: conversation.id,
      contactId: contact.id,
    });
    return dmOutcome(db, conversation.id, message);
  }
  if (message.deliveryStatus === 'NOT_SENT' && message.approvalStatus === 'NONE') {
    // A run that died between storing the DM and recording its delivery: hand the stored message to its channel
    // now. TikTok takes one private reply per comment, so if the first attempt did reach it, this one is refused
    // (FAILED with TikTok's reason) instead of sending a second DM.
    message = await deliverMessage(env, db, conversation, message);
  }
  return dmOutcome(db, conversation.id, message);
}

/**
 * `FLOW`: starts the flow in the commenter's conversation (flows/runs.ts); its opening messages are the
 * comment's one DM, through the same road, contact cap and dedupe as a single message.
 */
async function startFlowAction(ctx: DmContext, action: Extract<DmAction, { kind: 'FLOW' }>): Promise<DmOutcome> {
  const { env, db, comment } = ctx;
  const target = await commenterConversation(ctx);
  if (!target) return { status: 'SKIPPED', detail: 'The TikTok channel no longer exists' };
  const { contact, conversation } = target;
  const started = await startFlowRun(env, db, {
    organizationId: comment.organizationId,
    conversationId: conversation.id,
    contactId: contact.id,
    flowId: action.flowId,
    triggerId: ctx.trigger.id,
    commentId: comment.commentId,
    postId: comment.postId,
  });
  if (started.status === 'NOT_STARTED') {
    return { conversationId: conversation.id, status: 'FAILED', detail: `Flow not started: ${started.detail}` };
  }
  if (!started.message) return { conversationId: conversation.id, status: 'SENT', detail: 'Flow started (no DM yet)' };
  return dmOutcome(db, conversation.id, started.message, 'Flow started; ');
}

const DM_ACTIONS: {
  [K in DmAction['kind']]: (ctx: DmContext, action: Extract<DmAction, { kind: K }>) => Promise<DmOutcome>;
} = {
  MESSAGE: sendMessageAction,
  FLOW: startFlowAction,
};

/** Starts the trigger's DM (unless the source says it cannot go: not connected, missing scope). */
async function startDm(ctx: DmContext, channelType: Parameters<typeof commentSource>[0]): Promise<DmOutcome> {
  const source = commentSource(channelType);
  if (!source) return { status: 'SKIPPED', detail: `${channelType} comments cannot be answered by DM` };
  const blocked = await source.dmBlockedReason(ctx.env, ctx.db, ctx.comment.organizationId);
  if (blocked) return { status: 'SKIPPED', detail: blocked };
  const action = ctx.trigger.action;
  return action.kind === 'FLOW' ? DM_ACTIONS.FLOW(ctx, action) : DM_ACTIONS.MESSAGE(ctx, action);
}

/** The public reply, at most once per comment (claimed on the DM row first). */
async function postPublicReply(
  env: AppBindings,
  db: Db,
  comment: AutomationComment,
  text: string,
  channelType: Parameters<typeof commentSource>[0],
): Promise<string | null> {
  const [claimed] = await db
    .update(automationDms)
    .set({ publicReplyClaimedAt: new Date() })
    .where(
      and(
        eq(automationDms.organizationId, comment.organizationId),
        eq(automationDms.commentId, comment.commentId),
        sql`${automationDms.publicReplyClaimedAt} IS NULL`,
      ),
    )
    .returning();
  if (!claimed) return null;
  const source = commentSource(channelType);
  const result = source
    ? await source.replyPublicly(env, db, comment.organizationId, {
        postId: comment.postId,
        commentId: comment.commentId,
        text,
      })
    : ({ ok: false, reason: 'this channel takes no public replies' } as const);
  const status = result.ok ? 'public reply posted' : `public reply failed: ${result.reason}`;
  await db
    .update(automationDms)
    .set({ publicReplyStatus: status })
    .where(
      and(eq(automationDms.organizationId, comment.organizationId), eq(automationDms.commentId, comment.commentId)),
    );
  return status;
}

const WINNER_OUTCOME: Record<DmOutcome['status'], string> = {
  SENT: 'FIRED',
  FAILED: 'DM_FAILED',
  QUEUED: 'CONTACT_CAP',
  SKIPPED: 'MISSING_SCOPE',
};

async function writeLog(db: Db, comment: AutomationComment, results: TriggerResult[], at: number) {
  const rows = results.map((r) => ({
    triggerId: r.triggerId,
    commentId: comment.commentId,
    organizationId: comment.organizationId,
    outcome: r.outcome as string,
    reason: r.reason.slice(0, 1000),
    postId: comment.postId,
    commenterId: comment.commenterId,
    commenterName: comment.commenterName,
    text: comment.text.slice(0, 500),
    evaluatedAt: new Date(at),
  }));
  // Ten bound parameters a row: 9 rows per statement stay under D1's 100-parameter limit.
  const statements = [];
  for (let i = 0; i < rows.length; i += 9) {
    statements.push(
      db
        .insert(automationEvaluations)
        .values(rows.slice(i, i + 9))
        .onConflictDoUpdate({
          target: [automationEvaluations.triggerId, automationEvaluations.commentId],
          set: {
            outcome: sql`excluded.outcome`,
            reason: sql`excluded.reason`,
            evaluatedAt: sql`excluded.evaluated_at`,
          },
        }),
    );
  }
  if (statements.length) await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
}

/** Evaluates one stored comment and acts on the result; safe to run twice or concurrently. */
export async function evaluateComment(
  env: AppBindings,
  organizationId: string,
  commentId: string,
): Promise<{ firedTriggerId: string | null; outcome: string | null; results: TriggerResult[] }> {
  const db = createDb(env.DB);
  const [comment] = await db
    .select()
    .from(automationComments)
    .where(and(eq(automationComments.organizationId, organizationId), eq(automationComments.commentId, commentId)));
  if (!comment) return { firedTriggerId: null, outcome: null, results: [] };
  if (comment.status === 'EVALUATED')
    return { firedTriggerId: comment.firedTriggerId, outcome: comment.outcome, results: [] };
  const [channel] = await db.select({ type: channels.type }).from(channels).where(eq(channels.id, comment.channelId));
  const channelType = channel?.type ?? 'TIKTOK';
  const triggers = await loadTriggers(db, organizationId);
  let post = await loadPost(db, organizationId, comment.postId);
  if (!post && channelType === 'TIKTOK') {
    // A video published after the last sync: ask TikTok for that one video.
    await syncPosts(env, db, organizationId, { videoIds: [comment.postId] });
    post = await loadPost(db, organizationId, comment.postId);
  }
  const commentedAt = comment.commentedAt.getTime();
  const facts = await gatherFacts(env, db, organizationId, triggers, {
    text: comment.text,
    postId: comment.postId,
    post,
    commenterId: comment.commenterId,
    commentId: comment.commentId,
    commentedAt,
    checkWindow: true,
  });
  const evaluation = evaluate(triggers.map(asRule), facts);
  const results = [...evaluation.results];
  let fired: string | null = null;
  let outcome = 'no trigger fired';
  if (evaluation.winner) {
    const index = results.findIndex((r) => r.triggerId === evaluation.winner);
    const winner = results[index]!;
    // Claim 1: the (trigger × commenter) throttle, atomically: a new row, an expired one, or our own retry.
    const claim = await env.DB.prepare(
      `INSERT INTO automation_throttles (trigger_id, commenter_id, organization_id, comment_id, fired_at)
       VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (trigger_id, commenter_id) DO UPDATE SET comment_id = excluded.comment_id, fired_at = excluded.fired_at
       WHERE automation_throttles.comment_id = excluded.comment_id
          OR automation_throttles.fired_at <= excluded.fired_at - ?6
       RETURNING comment_id`,
    )
      .bind(winner.triggerId, comment.commenterId, organizationId, comment.commentId, commentedAt, THROTTLE_MS)
      .first<{ comment_id: string }>();
    if (!claim) {
      results[index] = {
        ...winner,
        outcome: 'THROTTLED',
        reason: `throttled: ${winner.reason.replace(/^matched: /, 'matched (')}), but it fired for this commenter within the last 24 hours`,
      };
      outcome = 'throttled';
    } else {
      // Claim 2: the comment's one DM. Whoever inserted it decides the trigger and acts; a run that finds it
      // unfinished leaves it to its owner unless the owner's lease ran out (it died): then it takes over, and the
      // outbound id dedupe keeps the DM single.
      const now = Date.now();
      const inserted = await db
        .insert(automationDms)
        .values({ organizationId, commentId: comment.commentId, triggerId: winner.triggerId, claimedAt: new Date(now) })
        .onConflictDoNothing()
        .returning();
      let dm = inserted[0];
      if (!dm) {
        const where = and(
          eq(automationDms.organizationId, organizationId),
          eq(automationDms.commentId, comment.commentId),
        );
        const [existing] = await db.select().from(automationDms).where(where);
        dm = existing!;
        if (!dm.dmStatus) {
          const [taken] = await db
            .update(automationDms)
            .set({ claimedAt: new Date(now) })
            .where(and(where, isNull(automationDms.dmStatus), lt(automationDms.claimedAt, new Date(now - DM_LEASE_MS))))
            .returning();
          if (!taken) return { firedTriggerId: dm.triggerId, outcome: 'in progress in another run', results };
          dm = taken;
        }
      }
      const trigger = triggers.find((t) => t.id === dm!.triggerId);
      if (trigger) {
        fired = trigger.id;
        let dmResult: DmOutcome;
        if (dm!.dmStatus) {
          dmResult = { status: dm!.dmStatus as DmOutcome['status'], detail: dm!.dmDetail ?? '' };
        } else {
          dmResult = await startDm({ env, db, comment, trigger }, channelType);
          await db
            .update(automationDms)
            .set({
              dmStatus: dmResult.status,
              dmDetail: dmResult.detail,
              conversationId: dmResult.conversationId ?? null,
              messageId: dmResult.messageId ?? null,
            })
            .where(
              and(eq(automationDms.organizationId, organizationId), eq(automationDms.commentId, comment.commentId)),
            );
        }
        const reply = trigger.publicReply
          ? ((await postPublicReply(env, db, comment, trigger.publicReply, channelType)) ?? dm!.publicReplyStatus)
          : null;
        const at = results.findIndex((r) => r.triggerId === trigger.id);
        const line = [results[at]!.reason, dmResult.detail, reply].filter(Boolean).join('; ');
        results[at] = {
          ...results[at]!,
          outcome: WINNER_OUTCOME[dmResult.status] as TriggerResult['outcome'],
          reason: line,
        };
        outcome = `${trigger.name}: ${dmResult.detail}`;
      }
    }
  }
  await writeLog(db, comment, results, Date.now());
  await db
    .update(automationComments)
    .set({ status: 'EVALUATED', evaluatedAt: new Date(), firedTriggerId: fired, outcome: outcome.slice(0, 500) })
    .where(
      and(eq(automationComments.organizationId, organizationId), eq(automationComments.commentId, comment.commentId)),
    );
  return { firedTriggerId: fired, outcome, results };
}

export async function onAutomationComment(env: AppBindings, job: JobOf<'automation.comment'>): Promise<void> {
  await evaluateComment(env, job.organizationId, job.commentId);
}

/** Cron: keeps the last EVALUATIONS_KEPT log entries of each trigger. */
export async function pruneEvaluations(env: AppBindings): Promise<void> {
  await env.DB.prepare(
    `DELETE FROM automation_evaluations WHERE rowid IN (
       SELECT rowid FROM (
         SELECT rowid, row_number() OVER (PARTITION BY trigger_id ORDER BY evaluated_at DESC, comment_id DESC) AS n
         FROM automation_evaluations
       ) WHERE n > ?1
     )`,
  )
    .bind(EVALUATIONS_KEPT)
    .run();
}
