// The two TikTok integrations an organisation can connect: the creator account (comments on videos and Lives,
// DMs, the post list) and the TikTok Shop (orders, product catalog), with the scopes each one needs.
import type { IntegrationProvider } from '../db/schema';

export interface ScopeInfo {
  scope: string;
  label: string;
}

export const REQUIRED_SCOPES: Record<IntegrationProvider, readonly ScopeInfo[]> = {
  TIKTOK: [
    { scope: 'comment.list.manage', label: 'Read comments on videos and Lives, and reply to them' },
    { scope: 'message.list.send', label: 'Send DMs as the account' },
    { scope: 'video.list', label: 'Read the post list' },
  ],
  TIKTOK_SHOP: [
    { scope: 'order.read', label: 'Read orders' },
    { scope: 'product.read', label: 'Read product catalog' },
  ],
};

/** The scope a comment-triggered DM needs, and the one a public reply needs. */
export const DM_SCOPE = 'message.list.send';
export const REPLY_SCOPE = 'comment.list.manage';
export const POSTS_SCOPE = 'video.list';

/** URL path segment ↔ provider. */
export const PROVIDER_SLUGS = { tiktok: 'TIKTOK', 'tiktok-shop': 'TIKTOK_SHOP' } as const satisfies Record<
  string,
  IntegrationProvider
>;

export function missingScopes(provider: IntegrationProvider, granted: readonly string[]): string[] {
  return REQUIRED_SCOPES[provider].map((s) => s.scope).filter((scope) => !granted.includes(scope));
}
