// A TikTok user's @handle and avatar on their contact: the avatar in contacts.avatar_url, the handle in
// contacts.metadata.tiktok.handle (the contact's name stays their display name). A payload without them keeps
// what the contact had.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { contacts } from '../../db/schema';

export interface TikTokProfile {
  handle: string | null;
  avatarUrl: string | null;
}

export async function saveTikTokProfile(
  db: Db,
  contact: { organizationId: string; channelId: string; externalId: string },
  profile: TikTokProfile,
): Promise<void> {
  if (!profile.handle && !profile.avatarUrl) return;
  await db
    .update(contacts)
    .set({
      ...(profile.avatarUrl ? { avatarUrl: profile.avatarUrl } : {}),
      ...(profile.handle
        ? {
            metadata: sql`json_set(coalesce(${contacts.metadata}, '{}'), '$.tiktok', json(${JSON.stringify({ handle: profile.handle })}))`,
          }
        : {}),
    })
    .where(
      and(
        eq(contacts.organizationId, contact.organizationId),
        eq(contacts.channelId, contact.channelId),
        eq(contacts.externalId, contact.externalId),
      ),
    );
}
