// TikTok webhook bodies, read purely (no I/O): one event per delivery,
// `{client_key, event, create_time, user_openid, content}` where `content` is a JSON string. `comment.create`
// is a comment on one of the account's videos or Lives; `direct_message.receive` is a DM to the account.
// Anything malformed or oversized is dropped here, so nothing downstream trusts the body's shape.
// The author is `content.user` (comments) or `content.from` (DMs), named like TikTok's User Object: `open_id`,
// `display_name`, and when TikTok sends them `username` (the @handle) and `avatar_url` (an https image); a
// handle or avatar that is not well formed is left out rather than dropping the event.

export const COMMENT_EVENT = 'comment.create';
export const MESSAGE_EVENT = 'direct_message.receive';

const ID_MAX = 128;
const TEXT_MAX = 6000;
const NAME_MAX = 200;
const AVATAR_URL_MAX = 2048;
/** TikTok usernames are letters, digits, `_` and `.` (24 at most today; some room kept). */
const HANDLE = /^[A-Za-z0-9._]{1,64}$/;

/** What the payload says about the author beyond their id and display name. */
export interface TikTokAuthorProfile {
  /** The @handle without the `@`. */
  authorHandle: string | null;
  /** An https URL of their avatar. */
  authorAvatarUrl: string | null;
}

export interface TikTokComment extends TikTokAuthorProfile {
  kind: 'comment';
  commentId: string;
  postId: string;
  authorId: string;
  authorName: string | null;
  text: string;
  createdAt: number;
}

export interface TikTokDirectMessage extends TikTokAuthorProfile {
  kind: 'message';
  messageId: string;
  conversationId: string;
  authorId: string;
  authorName: string | null;
  text: string;
  createdAt: number;
}

export interface TikTokDelivery {
  /** The connected account the event is for (its open_id). */
  accountId: string;
  event: TikTokComment | TikTokDirectMessage | null;
}

const str = (value: unknown, max: number): string | null =>
  typeof value === 'string' && value.trim() && value.length <= max ? value.trim() : null;
const idOf = (value: unknown) => (typeof value === 'number' ? String(value) : str(value, ID_MAX));
const record = (value: unknown): Record<string, unknown> | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

function seconds(value: unknown, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n * 1000) : fallback;
}

/** The author's @handle and avatar when the payload carries well-formed ones. */
export function readAuthorProfile(user: Record<string, unknown> | null): TikTokAuthorProfile {
  const handle = str(user?.username, NAME_MAX)?.replace(/^@/, '') ?? null;
  const avatar = str(user?.avatar_url, AVATAR_URL_MAX);
  let avatarUrl: string | null = null;
  if (avatar) {
    try {
      avatarUrl = new URL(avatar).protocol === 'https:' ? avatar : null;
    } catch {
      avatarUrl = null;
    }
  }
  return { authorHandle: handle && HANDLE.test(handle) ? handle : null, authorAvatarUrl: avatarUrl };
}

/** The account a delivery is addressed to and the one event it carries (null when it is not one we use). */
export function readTikTokBody(body: unknown): TikTokDelivery | null {
  const root = record(body);
  const accountId = idOf(root?.user_openid);
  if (!root || !accountId) return null;
  let content: Record<string, unknown> | null = null;
  try {
    content = record(typeof root.content === 'string' ? JSON.parse(root.content) : root.content);
  } catch {
    content = null;
  }
  if (!content) return { accountId, event: null };
  const envelopeTime = seconds(root.create_time, 0);
  const createdAt = seconds(content.create_time, envelopeTime);
  const user = record(content.user) ?? record(content.from);
  const authorId = idOf(user?.open_id);
  const authorName = str(user?.display_name, NAME_MAX);
  const profile = readAuthorProfile(user);
  const text = typeof content.text === 'string' ? content.text.slice(0, TEXT_MAX) : null;
  if (!authorId || text === null || !createdAt) return { accountId, event: null };
  if (root.event === COMMENT_EVENT) {
    const commentId = idOf(content.comment_id);
    const postId = idOf(content.video_id);
    if (!commentId || !postId) return { accountId, event: null };
    return {
      accountId,
      event: { kind: 'comment', commentId, postId, authorId, authorName, ...profile, text, createdAt },
    };
  }
  if (root.event === MESSAGE_EVENT) {
    const messageId = idOf(content.message_id);
    const conversationId = idOf(content.conversation_id);
    if (!messageId || !conversationId || authorId === accountId) return { accountId, event: null };
    return {
      accountId,
      event: { kind: 'message', messageId, conversationId, authorId, authorName, ...profile, text, createdAt },
    };
  }
  return { accountId, event: null };
}
