import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { signUpOwner } from '../../test/client';
import { createDb } from '../db/client';
import { aiProviders } from '../db/schema';

const db = createDb(env.DB);
const chat = (extra: Record<string, unknown> = {}) => ({
  type: 'WEBSITE_CHAT',
  name: 'Chat',
  credentials: {},
  ...extra,
});

describe('new channel defaults', () => {
  it("attach the organisation's knowledge groups and translate only with a provider that can", async () => {
    const { client, organization } = await signUpOwner();
    const a = (await client.post('/api/knowledge/groups', { name: 'Help' })).body.data;
    const b = (await client.post('/api/knowledge/groups', { name: 'Policies' })).body.data;

    // Only the built-in provider (which cannot translate), auto-translate not asked for: off.
    const plain = (await client.post('/api/channels', chat())).body.data;
    expect(plain.autoTranslate).toBe(false);
    expect([...plain.knowledgeGroupIds].sort()).toEqual([a.id, b.id].sort());

    // Chosen groups are kept as chosen, also none.
    const none = (await client.post('/api/channels', chat({ knowledgeGroupIds: [] }))).body.data;
    expect(none.knowledgeGroupIds).toEqual([]);

    // A default provider that can translate: auto-translate is on, as asked.
    await db.insert(aiProviders).values({
      organizationId: organization.id,
      type: 'OPENAI',
      name: 'OpenAI',
      model: 'gpt-4o-mini',
      isDefault: true,
    });
    const translated = (await client.post('/api/channels', chat())).body.data;
    expect(translated.autoTranslate).toBe(true);
    const declined = (await client.post('/api/channels', chat({ autoTranslate: false }))).body.data;
    expect(declined.autoTranslate).toBe(false);
  });
});
