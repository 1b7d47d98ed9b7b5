// TikTok as a source of comments for the automations: whether a comment-triggered DM can go (connected, the
// DM scope granted) and the public reply under a comment (Business API comment reply).
import type { Db } from '../../db/client';
import type { AppBindings } from '../../env';
import { DM_SCOPE, REPLY_SCOPE } from '../../integrations/providers';
import { integrationAccess, loadIntegration } from '../../integrations/tokens';
import { tiktokRequest } from './api';

export const tiktokCommentSource = {
  async dmBlockedReason(_env: AppBindings, db: Db, organizationId: string): Promise<string | null> {
    const integration = await loadIntegration(db, organizationId, 'TIKTOK');
    if (!integration) return 'TikTok is not connected';
    if (!integration.grantedScopes.includes(DM_SCOPE)) {
      return `missing scope: the TikTok connection lacks ${DM_SCOPE} (send DMs); the trigger fired but the DM was not sent`;
    }
    return null;
  },

  async replyPublicly(
    env: AppBindings,
    db: Db,
    organizationId: string,
    comment: { postId: string; commentId: string; text: string },
  ): Promise<{ ok: true } | { ok: false; reason: string }> {
    const access = await integrationAccess(env, db, organizationId, 'TIKTOK');
    if ('error' in access) return { ok: false, reason: access.error };
    if (!access.integration.grantedScopes.includes(REPLY_SCOPE)) {
      return { ok: false, reason: `missing scope: the TikTok connection lacks ${REPLY_SCOPE} (reply to comments)` };
    }
    const result = await tiktokRequest(env, {
      method: 'POST',
      path: 'business/comment/reply/create/',
      token: access.accessToken,
      body: {
        business_id: access.integration.accountId,
        video_id: comment.postId,
        comment_id: comment.commentId,
        text: comment.text,
      },
    });
    return result.ok ? { ok: true } : { ok: false, reason: result.reason };
  },
};
