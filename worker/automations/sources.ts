// Where comments come from, per channel type: the engine is channel-agnostic and asks the source whether a DM
// can go and how to post a public reply. TikTok is built; Instagram and Facebook (Meta private replies: one DM
// per comment within 7 days) plug in here with an adapter that yields `comment` events.
import { tiktokCommentSource } from '../channels/tiktok/comments';
import type { Db } from '../db/client';
import type { ChannelType } from '../db/schema';
import type { AppBindings } from '../env';

export interface CommentSource {
  /** null when a comment-triggered DM may be sent now; else why not (not connected, missing scope). */
  dmBlockedReason(env: AppBindings, db: Db, organizationId: string): Promise<string | null>;
  replyPublicly(
    env: AppBindings,
    db: Db,
    organizationId: string,
    comment: { postId: string; commentId: string; text: string },
  ): Promise<{ ok: true } | { ok: false; reason: string }>;
}

const sources: Partial<Record<ChannelType, CommentSource>> = { TIKTOK: tiktokCommentSource };

export function commentSource(type: ChannelType): CommentSource | null {
  return sources[type] ?? null;
}
