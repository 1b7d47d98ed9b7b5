// Helpers for TikTok tests: the fake TikTok served to a test file, an owner who connected it through the real
// OAuth flow, and signed webhook deliveries of comments and DMs in TikTok's envelope.
import { env, exports } from 'cloudflare:workers';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { signTikTokBody } from '../worker/channels/tiktok/signature';
import { type Client, postRaw, signUpOwner } from './client';
import { FakeTikTok } from './fake-tiktok';

let counter = 0;
export function tiktokId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${(++counter).toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/**
 * The fake TikTok (Business API and TikTok Shop) with the test app keys, answering every request to
 * *.fake-tiktok.test for the tests of the file that calls this at its top level; any other outside request fails.
 */
export function useFakeTikTok(): FakeTikTok {
  const fake = new FakeTikTok(
    env.TIKTOK_CLIENT_KEY!,
    env.TIKTOK_CLIENT_SECRET!,
    env.TIKTOK_SHOP_APP_KEY!,
    env.TIKTOK_SHOP_APP_SECRET!,
  );
  const server = setupServer(
    http.all('https://*.fake-tiktok.test/*', ({ request }) => fake.handle(request as unknown as Request)),
  );
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  return fake;
}

export const ALL_SCOPES = ['comment.list.manage', 'message.list.send', 'video.list'];

/** Runs connect → TikTok's page (the fake approves) → our callback, as the owner's browser would. */
export async function connectThroughOAuth(
  client: Client,
  fake: FakeTikTok,
  slug: 'tiktok' | 'tiktok-shop',
  scopes?: string[],
) {
  const start = await client.post(`/api/integrations/${slug}/connect`);
  if (start.status !== 200) return { start, callback: null };
  const authorize = new URL(start.body.data.authorizeUrl);
  const page = await fake.handle(new Request(authorize));
  const back = new URL(page.headers.get('location')!);
  if (scopes)
    fake.codes.set(back.searchParams.get('code')!, { ...fake.codes.get(back.searchParams.get('code')!)!, scopes });
  return { start, callback: await followCallback(client, `${back.pathname}${back.search}`) };
}

/** Our OAuth callback as the owner's browser calls it; the redirect it answers is returned, not followed. */
export async function followCallback(client: Client, path: string) {
  const res = await exports.default.fetch(
    new Request(`http://localhost${path}`, {
      headers: client.cookie ? { cookie: client.cookie } : {},
      redirect: 'manual',
    }),
  );
  await res.text();
  return { status: res.status, headers: res.headers };
}

export async function ownerWithTikTok(fake: FakeTikTok, options: { scopes?: string[]; videos?: number } = {}) {
  const owner = await signUpOwner('TikTok shop');
  const openId = tiktokId('biz');
  const now = Math.floor(Date.now() / 1000);
  const videos = Array.from({ length: options.videos ?? 3 }, (_, i) => ({
    item_id: tiktokId(`v${i}`),
    create_time: now - (i + 1) * 86_400,
    caption: `Video ${i + 1}`,
    is_live: i === 1,
  }));
  fake.account({ openId, displayName: '@glowshop', scopes: options.scopes ?? ALL_SCOPES, videos });
  fake.defaultAccount = openId;
  const { start, callback } = await connectThroughOAuth(owner.client, fake, 'tiktok', options.scopes);
  if (callback?.status !== 302 || !callback.headers.get('location')?.includes('connected=tiktok')) {
    throw new Error(
      `connect failed: ${callback?.status} ${callback?.headers.get('location')} ${JSON.stringify(start.body)}`,
    );
  }
  return { ...owner, organizationId: owner.organization.id as string, openId, videos };
}

export function commentBody(
  openId: string,
  comment: { commentId: string; videoId: string; userId: string; text: string; name?: string; at?: number },
) {
  return JSON.stringify({
    client_key: env.TIKTOK_CLIENT_KEY,
    event: 'comment.create',
    create_time: Math.floor((comment.at ?? Date.now()) / 1000),
    user_openid: openId,
    content: JSON.stringify({
      comment_id: comment.commentId,
      video_id: comment.videoId,
      text: comment.text,
      create_time: Math.floor((comment.at ?? Date.now()) / 1000),
      user: { open_id: comment.userId, display_name: comment.name ?? 'Viewer' },
    }),
  });
}

export function messageBody(
  openId: string,
  message: { messageId: string; conversationId: string; userId: string; text: string; at?: number },
) {
  return JSON.stringify({
    client_key: env.TIKTOK_CLIENT_KEY,
    event: 'direct_message.receive',
    create_time: Math.floor((message.at ?? Date.now()) / 1000),
    user_openid: openId,
    content: JSON.stringify({
      message_id: message.messageId,
      conversation_id: message.conversationId,
      text: message.text,
      create_time: Math.floor((message.at ?? Date.now()) / 1000),
      from: { open_id: message.userId, display_name: 'Buyer' },
    }),
  });
}

export interface SignedPostOptions {
  /** A signature to send as it is; null sends none; left out, the body is signed with `secret`. */
  signature?: string | null;
  secret?: string;
  timestamp?: number;
}

/**
 * POSTs a raw JSON body to one of our TikTok webhooks with a `tiktok-signature` header (TikTok and TikTok Shop
 * sign the same way, each with its own app secret); the answer's body is parsed when it is JSON.
 */
export async function postSignedTikTok(
  path: string,
  raw: string,
  defaultSecret: string,
  options: SignedPostOptions = {},
  extraHeaders: Record<string, string> = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
  const signature =
    options.signature === undefined
      ? await signTikTokBody(options.secret ?? defaultSecret, raw, options.timestamp)
      : options.signature;
  if (signature !== null) headers['tiktok-signature'] = signature;
  return postRaw(path, raw, headers);
}

export function postTikTokWebhook(raw: string, options: SignedPostOptions = {}) {
  return postSignedTikTok('/api/webhooks/tiktok', raw, env.TIKTOK_CLIENT_SECRET!, options);
}

/**
 * Waits until a comment is evaluated. The webhook evaluates it right after answering (waitUntil); calling the
 * evaluation here too is safe (a run that finds the DM in progress leaves it to its owner).
 */
export async function settleComment(organizationId: string, commentId: string) {
  const { evaluateComment } = await import('../worker/automations/engine');
  for (let i = 0; i < 200; i++) {
    await evaluateComment(env, organizationId, commentId);
    const row = await env.DB.prepare(
      'SELECT status FROM automation_comments WHERE organization_id = ? AND comment_id = ?',
    )
      .bind(organizationId, commentId)
      .first<{ status: string }>();
    if (row?.status === 'EVALUATED') return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`comment ${commentId} was not evaluated`);
}
