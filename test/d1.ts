// Reading D1 straight from a test, for what the API does not show.
import { env } from 'cloudflare:workers';

/** The rows a SQL query answers, its `?` bound to `params` in order. */
export async function rows<T = Record<string, any>>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
}

/** A conversation row and its contact written straight to D1 (no actor, no queue); returns the conversation id. */
export async function insertConversation(
  chat: { organizationId: string; channelId: string },
  language: string | null = 'en',
): Promise<string> {
  const contactId = crypto.randomUUID();
  const conversationId = crypto.randomUUID();
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO contacts (id, organization_id, channel_id, external_id, next_conversation_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).bind(contactId, chat.organizationId, chat.channelId, contactId, crypto.randomUUID(), now, now),
    env.DB.prepare(
      `INSERT INTO conversations (id, organization_id, channel_id, contact_id, language, last_message_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(conversationId, chat.organizationId, chat.channelId, contactId, language, now, now, now),
  ]);
  return conversationId;
}
