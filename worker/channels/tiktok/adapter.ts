// The TikTok channel adapter: DMs of the connected creator account. Parsing is pure (payload.ts); sending goes
// through the Business API with the integration's token (integrations/tokens.ts, refreshed before expiry).
// TikTok's rules: a DM answers a comment (once per comment, `recipient_type: COMMENT`) or continues a
// conversation the user started, within REPLY_WINDOW_HOURS of their last message and at most
// MAX_MESSAGES_PER_WINDOW messages until they write again. A refused send is FAILED with TikTok's reason.
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { ZodType } from 'zod';
import type { Db } from '../../db/client';
import { contacts, conversations, tiktokThreads } from '../../db/schema';
import { DM_SCOPE } from '../../integrations/providers';
import { integrationAccess } from '../../integrations/tokens';
import type { ChannelAdapter, InboundEvent } from '../adapter';
import { credentialSchema } from '../credentials';
import { tiktokRequest } from './api';
import { readTikTokBody } from './payload';

export const REPLY_WINDOW_HOURS = 48;
export const MAX_MESSAGES_PER_WINDOW = 10;
/** The outbound id prefix of a DM that answers a comment: `comment:<provider comment id>`. */
export const COMMENT_DM_PREFIX = 'comment:';

/** The channel holds no credentials of its own: the tokens are the integration's. */
type TikTokCredentials = Record<string, never>;

async function recipientOf(db: Db, organizationId: string, conversationId: string) {
  const [row] = await db
    .select({ externalId: contacts.externalId })
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .where(and(eq(conversations.organizationId, organizationId), eq(conversations.id, conversationId)))
    .limit(1);
  return row?.externalId ?? null;
}

/** Why a conversation DM may not go now (the user never wrote, the window closed, the window's quota is used). */
async function windowReason(db: Db, organizationId: string, userId: string, now: number): Promise<string | null> {
  const [thread] = await db
    .select()
    .from(tiktokThreads)
    .where(and(eq(tiktokThreads.organizationId, organizationId), eq(tiktokThreads.userId, userId)));
  if (!thread) return 'Not sent: on TikTok the user must start the conversation (or the DM must answer their comment)';
  if (thread.lastInboundAt.getTime() < now - REPLY_WINDOW_HOURS * 3_600_000) {
    return `Not sent: TikTok allows replies only within ${REPLY_WINDOW_HOURS} hours of the user's last message`;
  }
  if (thread.sentInWindow >= MAX_MESSAGES_PER_WINDOW) {
    return `Not sent: TikTok allows at most ${MAX_MESSAGES_PER_WINDOW} messages until the user writes again`;
  }
  return null;
}

export const tiktokAdapter: ChannelAdapter<TikTokCredentials> = {
  type: 'TIKTOK',
  credentials: credentialSchema('TIKTOK') as unknown as ZodType<TikTokCredentials>,
  capabilities: { replyWindowHours: REPLY_WINDOW_HOURS, comments: true },

  parse(payload, channel): InboundEvent[] {
    const delivery = readTikTokBody(payload);
    const event = delivery?.event;
    if (!event) return [];
    if (event.kind === 'comment') {
      return [
        {
          kind: 'comment',
          postId: event.postId,
          commentId: event.commentId,
          author: { externalId: event.authorId, name: event.authorName },
          text: event.text,
        },
      ];
    }
    return [
      {
        kind: 'message',
        message: {
          organizationId: channel.organizationId,
          channelId: channel.id,
          externalContactId: event.authorId,
          externalMessageId: event.messageId,
          content: event.text,
          contact: { name: event.authorName },
          receivedAt: new Date(event.createdAt),
        },
      },
    ];
  },

  async checkOutbound(check, ctx) {
    // A DM answering a comment (automations/engine.ts, id `comment:<id>`) follows TikTok's once-per-comment rule,
    // which `send` enforces; every other DM follows the conversation's reply window, checked here.
    if (check.externalId?.startsWith('comment:')) return null;
    const userId = await recipientOf(ctx.db, check.organizationId, check.conversationId);
    if (!userId) return 'Not sent: the conversation has no TikTok user';
    return windowReason(ctx.db, check.organizationId, userId, (ctx.now ?? new Date()).getTime());
  },

  async send(out, ctx) {
    const { db, env } = ctx;
    const now = Date.now();
    const access = await integrationAccess(env, db, out.organizationId, 'TIKTOK', now);
    if ('error' in access) return { status: 'FAILED', detail: `Not sent: ${access.error}` };
    if (!access.integration.grantedScopes.includes(DM_SCOPE)) {
      return {
        status: 'FAILED',
        detail: `Not sent: the TikTok connection lacks the ${DM_SCOPE} scope (send DMs); reconnect and approve it`,
      };
    }
    const userId = await recipientOf(db, out.organizationId, out.conversationId);
    if (!userId) return { status: 'FAILED', detail: 'Not sent: the conversation has no TikTok user' };
    const commentId = out.externalId?.startsWith(COMMENT_DM_PREFIX)
      ? out.externalId.slice(COMMENT_DM_PREFIX.length)
      : null;
    let recipient: { type: 'COMMENT' | 'CONVERSATION'; id: string };
    if (commentId) {
      recipient = { type: 'COMMENT', id: commentId };
    } else {
      // The window and its quota are taken atomically, so two agents replying at once cannot exceed it.
      const [thread] = await db
        .update(tiktokThreads)
        .set({ sentInWindow: sql`${tiktokThreads.sentInWindow} + 1` })
        .where(
          and(
            eq(tiktokThreads.organizationId, out.organizationId),
            eq(tiktokThreads.userId, userId),
            gt(tiktokThreads.lastInboundAt, new Date(now - REPLY_WINDOW_HOURS * 3_600_000)),
            lt(tiktokThreads.sentInWindow, MAX_MESSAGES_PER_WINDOW),
          ),
        )
        .returning();
      if (!thread) {
        return { status: 'FAILED', detail: (await windowReason(db, out.organizationId, userId, now)) ?? 'Not sent' };
      }
      recipient = { type: 'CONVERSATION', id: thread.conversationId };
    }
    const result = await tiktokRequest<{ message_id?: unknown }>(env, {
      method: 'POST',
      path: 'business/message/send/',
      token: access.accessToken,
      body: {
        business_id: access.integration.accountId,
        recipient_type: recipient.type,
        recipient: recipient.id,
        message_type: 'TEXT',
        text: { body: out.content },
      },
    });
    if (!result.ok) return { status: 'FAILED', detail: `TikTok refused the DM: ${result.reason}` };
    const messageId = typeof result.data.message_id === 'string' ? result.data.message_id : undefined;
    return { status: 'SENT', externalId: messageId, detail: messageId ? `TikTok message ${messageId}` : undefined };
  },
};
