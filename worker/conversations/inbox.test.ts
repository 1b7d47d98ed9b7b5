import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Client, signUpOwner } from '../../test/client';
import { chatCompletion, OPENAI_COMPLETIONS } from '../../test/fake-openai';
import { createDb } from '../db/client';
import { tokenLedger } from '../db/schema';
import { receiveInbound } from './pipeline';

const server = setupServer();
const prompts: { system: string; text: string }[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  prompts.length = 0;
});
afterAll(() => server.close());

const db = createDb(env.DB);

/** A fake OpenAI: enhancing prefixes "Polished:", translating tags the text with the target language. */
function fakeOpenAi(status = 200) {
  server.use(
    http.post(OPENAI_COMPLETIONS, async ({ request }) => {
      const body = (await request.json()) as { messages: { content: string }[] };
      const system = body.messages[0]!.content;
      const text = body.messages.at(-1)!.content;
      prompts.push({ system, text });
      if (status !== 200) return HttpResponse.json({ error: { message: 'down' } }, { status });
      const target = system.match(/ into [^.(]*\(([a-z]{2,3})\)/)?.[1];
      const content = system.startsWith('Rewrite the support agent draft')
        ? `Polished: ${text}`
        : `[${target}] ${text}`;
      return HttpResponse.json(chatCompletion({ content }));
    }),
  );
}

async function enhancingChannel(channel: Record<string, unknown> = {}) {
  const owner = await signUpOwner();
  const provider = await owner.client.post('/api/ai-providers', {
    type: 'OPENAI',
    name: 'OpenAI',
    model: 'gpt-4o-mini',
    apiKey: 'sk-test-abcdefghijkl',
  });
  const created = await owner.client.post('/api/channels', {
    type: 'WEBSITE_CHAT',
    name: 'Website',
    credentials: {},
    autoTranslate: false,
    autoEnhance: true,
    aiProviderId: provider.body.data.id,
    ...channel,
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const organizationId = owner.organization.id as string;
  const { conversation } = await receiveInbound(env, {
    organizationId,
    channelId: created.body.data.id,
    externalContactId: 'visitor-1',
    content: 'Hallo',
    contact: { name: 'Greta', language: channel.autoTranslate ? 'de' : 'en' },
  });
  return { client: owner.client, organizationId, conversationId: conversation.id };
}

function reply(client: Client, conversationId: string, body: Record<string, unknown>) {
  return client.post(`/api/conversations/${conversationId}/messages`, { conversationId, ...body });
}

async function ledger(organizationId: string) {
  const rows = await db.select().from(tokenLedger).where(eq(tokenLedger.organizationId, organizationId));
  return rows.filter((row) => row.delta < 0).map((row) => row.reason);
}

describe('autoEnhance', () => {
  it('sends the rewritten reply and keeps the agent’s words; a retry neither enhances nor charges again', async () => {
    fakeOpenAi();
    const org = await enhancingChannel();
    const first = await reply(org.client, org.conversationId, {
      content: 'parcel left today',
      clientMessageId: 'c-1',
    });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({
      content: 'Polished: parcel left today',
      originalContent: 'parcel left today',
      approvalStatus: 'NONE',
      deliveryStatus: 'DELIVERED',
    });
    expect(prompts[0]!.system).toContain('Rewrite the support agent draft');
    const retry = await reply(org.client, org.conversationId, { content: 'parcel left today', clientMessageId: 'c-1' });
    expect(retry.status).toBe(200);
    expect(retry.body.data.id).toBe(first.body.data.id);
    expect(prompts).toHaveLength(1);
    expect(await ledger(org.organizationId)).toEqual(['MESSAGE_SENT', 'AI_ENHANCE']);

    // Internal notes are the team's own words: never rewritten.
    const note = await reply(org.client, org.conversationId, { content: 'vip customer', isNote: true });
    expect(note.body.data).toMatchObject({ content: 'vip customer', originalContent: null });
    expect(prompts).toHaveLength(1);
  });

  it('sends the reply as written when the provider fails', async () => {
    fakeOpenAi(500);
    const org = await enhancingChannel();
    const res = await reply(org.client, org.conversationId, { content: 'parcel left today' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      content: 'parcel left today',
      originalContent: null,
      deliveryStatus: 'DELIVERED',
    });
    expect(prompts.length).toBeGreaterThan(0);
    expect(await ledger(org.organizationId)).toEqual(['MESSAGE_SENT']);
  });

  it('on a reply held for translation, translates the enhanced text, which Send original sends', async () => {
    fakeOpenAi();
    const org = await enhancingChannel({ autoTranslate: true, defaultLanguage: 'en' });
    const held = await reply(org.client, org.conversationId, { content: 'parcel left today' });
    expect(held.body.data).toMatchObject({
      content: 'Polished: parcel left today',
      originalContent: 'Polished: parcel left today',
      approvalStatus: 'PENDING',
    });
    await vi.waitFor(
      async () => {
        const list = await org.client.get(`/api/conversations/${org.conversationId}/messages`);
        const shown = list.body.data.items.find((m: { id: string }) => m.id === held.body.data.id);
        expect(shown).toMatchObject({ content: '[de] Polished: parcel left today', translatedLanguage: 'de' });
      },
      { timeout: 15_000, interval: 200 },
    );
    const original = await org.client.post(`/api/messages/${held.body.data.id}/send-original`);
    expect(original.body.data).toMatchObject({
      content: 'Polished: parcel left today',
      approvalStatus: 'APPROVED',
      deliveryStatus: 'DELIVERED',
    });
  });
});
