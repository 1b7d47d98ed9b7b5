import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ownerWithWebsiteChat } from '../../test/client';
import { countingD1 } from '../../test/counting-d1';
import { createDb } from '../db/client';
import { intake } from './intake';

describe('intake', () => {
  it("finds or opens the contact's conversation in one D1 round trip once it has the channel", async () => {
    const chat = await ownerWithWebsiteChat();
    const { binding, trips } = countingD1(env.DB);
    const db = createDb(binding);
    const inbound = {
      organizationId: chat.organizationId,
      channelId: chat.channelId,
      externalContactId: `v-${crypto.randomUUID()}`,
      contact: { language: 'de' },
      content: 'Hallo',
    };

    const first = await intake(env, db, inbound, { announce: false });
    expect(first.created).toBe(true);
    // The channel, then one batch: the contact's upsert, the new conversation, the contact's next reserved id, and
    // the contact's open conversation.
    expect(trips.map((trip) => trip.sql.length)).toEqual([1, 4]);
    const row = await env.DB.prepare(
      `SELECT c.status, c.language, c.contact_id, ct.next_conversation_id FROM conversations c
       JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = ?`,
    )
      .bind(first.conversation.id)
      .first();
    expect(row).toMatchObject({ status: 'OPEN', language: 'de', contact_id: first.draft.senderId });
    expect(row?.next_conversation_id).not.toBe(first.conversation.id);

    trips.length = 0;
    const again = await intake(env, db, { ...inbound, content: 'Noch da?' }, { announce: false });
    expect(again).toMatchObject({ created: false, conversation: { id: first.conversation.id } });
    expect(trips.map((trip) => trip.sql.length)).toEqual([1, 4]);
  });
});
