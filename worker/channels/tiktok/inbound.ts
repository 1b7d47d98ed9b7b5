// What the TikTok webhook route does with a verified body: find the connected account it is addressed to, note
// that events arrive (the card's "Receiving events"), hand a DM to the pipeline (after remembering the TikTok
// conversation it opened, for the reply window) and a comment to the automations' intake. Replays dedupe
// downstream: DMs on the provider message id in the conversation actor, comments on the comment id.
import { and, eq } from 'drizzle-orm';
import { acceptComment } from '../../automations/engine';
import { receiveInbound } from '../../conversations/pipeline';
import type { Db } from '../../db/client';
import { integrations, tiktokThreads } from '../../db/schema';
import type { AppBindings } from '../../env';
import { tiktokAdapter } from './adapter';
import { readTikTokBody } from './payload';
import { saveTikTokProfile } from './profile';

const lastEventWrite = new Map<string, number>();
const EVENT_WRITE_EVERY_MS = 30_000;

async function noteEvent(db: Db, integrationId: string, now: number) {
  if (now - (lastEventWrite.get(integrationId) ?? 0) < EVENT_WRITE_EVERY_MS) return;
  lastEventWrite.set(integrationId, now);
  await db
    .update(integrations)
    .set({ lastEventAt: new Date(now) })
    .where(eq(integrations.id, integrationId));
}

export type WebhookOutcome = 'comment' | 'duplicate-comment' | 'message' | 'ignored' | 'unknown-account';

export async function processTikTokBody(
  env: AppBindings,
  db: Db,
  body: unknown,
  now = Date.now(),
  defer?: (work: Promise<unknown>) => void,
): Promise<WebhookOutcome> {
  const delivery = readTikTokBody(body);
  if (!delivery) return 'ignored';
  const [integration] = await db
    .select()
    .from(integrations)
    .where(and(eq(integrations.provider, 'TIKTOK'), eq(integrations.accountId, delivery.accountId)))
    .limit(1);
  if (!integration?.channelId) return 'unknown-account';
  await noteEvent(db, integration.id, now);
  const event = delivery.event;
  if (!event) return 'ignored';
  if (event.kind === 'comment') {
    const { stored } = await acceptComment(
      env,
      db,
      {
        organizationId: integration.organizationId,
        channelId: integration.channelId,
        commentId: event.commentId,
        postId: event.postId,
        authorId: event.authorId,
        authorName: event.authorName,
        authorHandle: event.authorHandle,
        authorAvatarUrl: event.authorAvatarUrl,
        text: event.text,
        createdAt: event.createdAt,
      },
      now,
      defer,
    );
    return stored ? 'comment' : 'duplicate-comment';
  }
  // The user wrote to us: the reply window opens again (its quota resets) on their conversation.
  const at = new Date(Math.min(event.createdAt, now));
  await db
    .insert(tiktokThreads)
    .values({
      organizationId: integration.organizationId,
      userId: event.authorId,
      conversationId: event.conversationId,
      lastInboundAt: at,
    })
    .onConflictDoUpdate({
      target: [tiktokThreads.organizationId, tiktokThreads.userId],
      set: { conversationId: event.conversationId, lastInboundAt: at, sentInWindow: 0 },
    });
  const channel = { id: integration.channelId, organizationId: integration.organizationId };
  for (const parsed of tiktokAdapter.parse(body, channel)) {
    if (parsed.kind === 'message') await receiveInbound(env, parsed.message);
  }
  // Intake created the contact if it was new: their @handle and avatar go on it.
  await saveTikTokProfile(
    db,
    { organizationId: integration.organizationId, channelId: integration.channelId, externalId: event.authorId },
    { handle: event.authorHandle, avatarUrl: event.authorAvatarUrl },
  );
  return 'message';
}
