import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { addMember, type Client, signUpOwner } from '../../test/client';
import { chatCompletion, OPENAI_COMPLETIONS } from '../../test/fake-openai';
import { ensureBuiltinProvider } from '../ai/providers/builtin';
import { receiveInbound } from '../conversations/pipeline';
import { createDb } from '../db/client';
import { organizations, tokenLedger } from '../db/schema';
import type { Job } from '../jobs/types';
import { MAX_TRANSLATION_ATTEMPTS, onMessageTranslate } from './messages';
import { BUILTIN_CANNOT_TRANSLATE } from './translator';

const GERMAN = 'Guten Tag, mein Paket ist seit zwei Wochen unterwegs und noch nicht angekommen.';
const WAIT = { timeout: 15_000, interval: 200 };

const server = setupServer();
const prompts: { system: string; text: string }[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  prompts.length = 0;
});
afterAll(() => server.close());

const db = createDb(env.DB);

/** A fake OpenAI that "translates" by tagging the text with the target language named in the prompt. */
function fakeTranslator() {
  server.use(
    http.post(OPENAI_COMPLETIONS, async ({ request }) => {
      const body = (await request.json()) as { messages: { role: string; content: string }[] };
      const system = body.messages[0]!.content;
      const text = body.messages.at(-1)!.content;
      prompts.push({ system, text });
      const target = system.match(/ into [^.(]*\(([a-z]{2,3})\)/)?.[1] ?? '??';
      return HttpResponse.json(
        chatCompletion(
          { content: `[${target}] ${text}` },
          { prompt_tokens: 40, completion_tokens: 10, total_tokens: 50 },
        ),
      );
    }),
  );
}

function failingProvider() {
  server.use(
    http.post(OPENAI_COMPLETIONS, () => {
      prompts.push({ system: '', text: '' });
      return HttpResponse.json({ error: { message: 'overloaded' } }, { status: 500 });
    }),
  );
}

/** An owner whose website channel translates through an OpenAI provider chosen on the channel. */
async function translatingOrg(provider: 'OPENAI' | 'BUILTIN' = 'OPENAI') {
  const owner = await signUpOwner();
  const organizationId = owner.organization.id as string;
  const providerId =
    provider === 'BUILTIN'
      ? (await ensureBuiltinProvider(db, organizationId)).id
      : (
          await owner.client.post('/api/ai-providers', {
            type: 'OPENAI',
            name: 'OpenAI',
            model: 'gpt-4o-mini',
            apiKey: 'sk-test-abcdefghijkl',
          })
        ).body.data.id;
  const channel = await owner.client.post('/api/channels', {
    type: 'WEBSITE_CHAT',
    name: 'Website',
    credentials: {},
    defaultLanguage: 'en',
    autoTranslate: true,
    aiProviderId: providerId,
  });
  if (channel.status !== 201) throw new Error(JSON.stringify(channel.body));
  return { client: owner.client, organizationId, channelId: channel.body.data.id as string };
}

type Org = Awaited<ReturnType<typeof translatingOrg>>;

function inbound(org: Org, content: string, language?: string) {
  return receiveInbound(env, {
    organizationId: org.organizationId,
    channelId: org.channelId,
    externalContactId: 'visitor-1',
    content,
    contact: { name: 'Greta', language },
  });
}

async function messageOf(client: Client, conversationId: string, messageId: string) {
  const list = await client.get(`/api/conversations/${conversationId}/messages?pageSize=100`);
  return list.body.data.items.find((m: { id: string }) => m.id === messageId);
}

async function reply(client: Client, conversationId: string, content: string) {
  const res = await client.post(`/api/conversations/${conversationId}/messages`, { conversationId, content });
  expect(res.status).toBe(201);
  return res.body.data as { id: string; approvalStatus: string; content: string };
}

/** A short customer message in a known language, once the background jobs translated it. */
async function translatedInbound(org: Org, content: string, language: string) {
  const accepted = await inbound(org, content, language);
  await vi.waitFor(async () => {
    expect(await messageOf(org.client, accepted.conversation.id, accepted.message.id)).toMatchObject({
      translatedContent: `[en] ${content}`,
    });
  }, WAIT);
  return accepted;
}

/** Waits until the background job translated a held reply into `language`. */
async function translatedReply(org: Org, conversationId: string, content: string, language: string) {
  const held = await reply(org.client, conversationId, content);
  expect(held).toMatchObject({ approvalStatus: 'PENDING', content });
  await vi.waitFor(async () => {
    expect(await messageOf(org.client, conversationId, held.id)).toMatchObject({
      content: `[${language}] ${content}`,
      translatedLanguage: language,
    });
  }, WAIT);
  return held;
}

describe('customer messages', () => {
  it('are shown translated into the agents’ language, the conversation takes the customer’s language', async () => {
    fakeTranslator();
    const org = await translatingOrg();
    const { conversation, message } = await inbound(org, GERMAN);
    await vi.waitFor(async () => {
      expect(await messageOf(org.client, conversation.id, message.id)).toMatchObject({
        content: GERMAN,
        language: 'de',
        translatedContent: `[en] ${GERMAN}`,
        translatedLanguage: 'en',
      });
    }, WAIT);
    expect((await org.client.get(`/api/conversations/${conversation.id}`)).body.data.language).toBe('de');
    expect(prompts[0]!.system).toContain('from German (de) into English (en)');
    const ledger = await db.select().from(tokenLedger).where(eq(tokenLedger.referenceId, message.id));
    expect(ledger).toEqual([expect.objectContaining({ reason: 'TRANSLATION', delta: -50 })]);

    // Three words are too few to detect: the message inherits the conversation's German.
    const short = await inbound(org, 'Danke, bis bald');
    await vi.waitFor(async () => {
      expect(await messageOf(org.client, conversation.id, short.message.id)).toMatchObject({
        language: 'de',
        translatedContent: '[en] Danke, bis bald',
      });
    }, WAIT);

    // A redelivered job finds the work done and calls no model.
    const calls = prompts.length;
    await onMessageTranslate(env, {
      kind: 'message.translate',
      organizationId: org.organizationId,
      conversationId: conversation.id,
      messageId: message.id,
    });
    expect(prompts.length).toBe(calls);
  });

  it('in the agents’ own language are not translated', async () => {
    fakeTranslator();
    const org = await translatingOrg();
    const text = 'Hello, my parcel has been on its way for two weeks now.';
    const { conversation, message } = await inbound(org, text);
    await vi.waitFor(async () => {
      expect((await org.client.get(`/api/conversations/${conversation.id}`)).body.data.language).toBe('en');
    }, WAIT);
    expect(await messageOf(org.client, conversation.id, message.id)).toMatchObject({
      language: 'en',
      translatedContent: null,
    });
    expect(prompts).toEqual([]);
  });
});

describe('the language of a customer message', () => {
  it('is settled as the message is stored; the fallback language settles one nothing else tells', async () => {
    fakeTranslator();
    const org = await translatingOrg();
    // Stored with its language and the conversation's, before any background job ran: no later patch.
    const german = await inbound(org, GERMAN);
    expect(german.message.language).toBe('de');
    expect(await messageOf(org.client, german.conversation.id, german.message.id)).toMatchObject({ language: 'de' });
    expect((await org.client.get(`/api/conversations/${german.conversation.id}`)).body.data.language).toBe('de');

    // Two words tell nothing and the new conversation has no language yet: the channel's fallback decides.
    expect((await org.client.patch(`/api/channels/${org.channelId}`, { fallbackLanguage: 'fr' })).status).toBe(200);
    const short = await receiveInbound(env, {
      organizationId: org.organizationId,
      channelId: org.channelId,
      externalContactId: 'visitor-2',
      content: 'Merci beaucoup',
    });
    expect(short.message.language).toBeNull();
    await vi.waitFor(async () => {
      expect(await messageOf(org.client, short.conversation.id, short.message.id)).toMatchObject({
        language: 'fr',
        translatedContent: '[en] Merci beaucoup',
      });
    }, WAIT);
    expect((await org.client.get(`/api/conversations/${short.conversation.id}`)).body.data.language).toBe('fr');
  });
});

describe('replies to a customer writing another language', () => {
  it('are translated while they wait: Approve sends the translation, Send original the agent’s text', async () => {
    fakeTranslator();
    const org = await translatingOrg();
    const { conversation } = await inbound(org, 'Hallo', 'de');
    const held = await translatedReply(org, conversation.id, 'Your parcel left our warehouse today.', 'de');
    expect(await messageOf(org.client, conversation.id, held.id)).toMatchObject({
      originalContent: 'Your parcel left our warehouse today.',
      language: 'de',
      approvalStatus: 'PENDING',
      deliveryStatus: 'NOT_SENT',
    });
    const approved = await org.client.post(`/api/messages/${held.id}/approve`);
    expect(approved.body.data).toMatchObject({
      content: '[de] Your parcel left our warehouse today.',
      approvalStatus: 'APPROVED',
      deliveryStatus: 'DELIVERED',
    });

    const second = await translatedReply(org, conversation.id, 'It arrives tomorrow.', 'de');
    const original = await org.client.post(`/api/messages/${second.id}/send-original`);
    expect(original.body.data).toMatchObject({
      content: 'It arrives tomorrow.',
      approvalStatus: 'APPROVED',
      deliveryStatus: 'DELIVERED',
    });
  });

  it('with only the built-in provider stay untranslated and say why', async () => {
    const org = await translatingOrg('BUILTIN');
    const { conversation, message } = await inbound(org, 'Hallo', 'de');
    const held = await reply(org.client, conversation.id, 'Your parcel left our warehouse today.');
    const failed = [expect.objectContaining({ type: 'TRANSLATION_FAILED', detail: BUILTIN_CANNOT_TRANSLATE })];
    await vi.waitFor(async () => {
      expect((await messageOf(org.client, conversation.id, held.id)).events).toEqual(failed);
      expect((await messageOf(org.client, conversation.id, message.id)).events).toEqual(failed);
    }, WAIT);
    expect(await messageOf(org.client, conversation.id, held.id)).toMatchObject({
      content: 'Your parcel left our warehouse today.',
      translatedContent: null,
      approvalStatus: 'PENDING',
    });
    const retry = await org.client.post(`/api/messages/${held.id}/retranslate`);
    expect(retry.status).toBe(400);
    expect(retry.body.error.message).toBe(BUILTIN_CANNOT_TRANSLATE);
    // The agent can still send it as written.
    const approved = await org.client.post(`/api/messages/${held.id}/approve`);
    expect(approved.body.data).toMatchObject({
      content: 'Your parcel left our warehouse today.',
      deliveryStatus: 'DELIVERED',
    });
  });
});

describe('POST /api/messages/:id/retranslate', () => {
  it('translates a waiting reply into the corrected customer language, which the conversation takes', async () => {
    fakeTranslator();
    const org = await translatingOrg();
    const { conversation } = await inbound(org, 'Hallo', 'de');
    const held = await translatedReply(org, conversation.id, 'Thanks for waiting.', 'de');
    const res = await org.client.post(`/api/messages/${held.id}/retranslate`, { language: 'fr' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: held.id,
      content: '[fr] Thanks for waiting.',
      originalContent: 'Thanks for waiting.',
      translatedLanguage: 'fr',
      approvalStatus: 'PENDING',
    });
    expect(prompts.at(-1)).toMatchObject({ text: 'Thanks for waiting.' });
    expect((await org.client.get(`/api/conversations/${conversation.id}`)).body.data.language).toBe('fr');

    // The customer turns out to read English: the reply is back to the agent's words, nothing to translate.
    const english = await org.client.post(`/api/messages/${held.id}/retranslate`, { language: 'en' });
    expect(english.body.data).toMatchObject({ content: 'Thanks for waiting.', translatedContent: null });
  });

  it('translates a customer message again from the language it is really in', async () => {
    fakeTranslator();
    const org = await translatingOrg();
    const { message } = await translatedInbound(org, 'Dank je wel', 'de');
    const res = await org.client.post(`/api/messages/${message.id}/retranslate`, { language: 'nl-BE' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      content: 'Dank je wel',
      language: 'nl',
      translatedContent: '[en] Dank je wel',
      translatedLanguage: 'en',
    });
    expect(prompts.at(-1)!.system).toContain('from Dutch (nl) into English (en)');
  });

  it('refuses without tokens before calling the model, and guards organisations, roles and decided replies', async () => {
    fakeTranslator();
    const org = await translatingOrg();
    const { conversation } = await translatedInbound(org, 'Hallo', 'de');
    const held = await translatedReply(org, conversation.id, 'We are on it.', 'de');
    const calls = prompts.length;

    await db.update(organizations).set({ tokenBalance: 0 }).where(eq(organizations.id, org.organizationId));
    const broke = await org.client.post(`/api/messages/${held.id}/retranslate`, { language: 'fr' });
    expect(broke.status).toBe(402);
    expect(broke.body.error.code).toBe('INSUFFICIENT_TOKENS');
    expect(prompts.length).toBe(calls);
    expect(await messageOf(org.client, conversation.id, held.id)).toMatchObject({ content: '[de] We are on it.' });
    expect((await org.client.get(`/api/conversations/${conversation.id}`)).body.data.language).toBe('de');
    await db.update(organizations).set({ tokenBalance: 1000 }).where(eq(organizations.id, org.organizationId));

    const stranger = await signUpOwner('Other');
    expect((await stranger.client.post(`/api/messages/${held.id}/retranslate`)).status).toBe(404);
    const viewer = await addMember(org.client, 'VIEWER');
    expect((await viewer.client.post(`/api/messages/${held.id}/retranslate`)).status).toBe(403);
    const bad = await org.client.post(`/api/messages/${held.id}/retranslate`, { language: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.language).toBeDefined();

    const note = await org.client.post(`/api/conversations/${conversation.id}/messages`, {
      conversationId: conversation.id,
      content: 'Customer is a VIP',
      isNote: true,
    });
    expect((await org.client.post(`/api/messages/${note.body.data.id}/retranslate`)).status).toBe(400);

    await org.client.post(`/api/messages/${held.id}/approve`);
    const decided = await org.client.post(`/api/messages/${held.id}/retranslate`);
    expect(decided.status).toBe(409);
    expect(decided.body.error.code).toBe('CONFLICT');
    expect(prompts.length).toBe(calls);
  });

  it('reports a provider failure as 502 and changes nothing; the job retries, then records why', async () => {
    fakeTranslator();
    const org = await translatingOrg();
    const { conversation } = await inbound(org, 'Hallo', 'de');
    const held = await translatedReply(org, conversation.id, 'One moment please.', 'de');
    failingProvider();
    const res = await org.client.post(`/api/messages/${held.id}/retranslate`, { language: 'fr' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('UPSTREAM_ERROR');
    expect(await messageOf(org.client, conversation.id, held.id)).toMatchObject({ content: '[de] One moment please.' });

    const second = await reply(org.client, conversation.id, 'Still checking.');
    const sent: Job[] = [];
    const recording = { ...env, JOBS: { send: async (job: Job) => void sent.push(job) } as unknown as Queue };
    const job = {
      kind: 'message.translate' as const,
      organizationId: org.organizationId,
      conversationId: conversation.id,
      messageId: second.id,
    };
    await onMessageTranslate(recording, job, { timeoutMs: 2_000 });
    expect(sent).toEqual([{ ...job, attempt: 2 }]);
    expect((await messageOf(org.client, conversation.id, second.id)).events).toEqual([]);

    await onMessageTranslate(recording, { ...job, attempt: MAX_TRANSLATION_ATTEMPTS }, { timeoutMs: 2_000 });
    expect(sent).toHaveLength(1);
    const shown = await messageOf(org.client, conversation.id, second.id);
    expect(shown).toMatchObject({ content: 'Still checking.', approvalStatus: 'PENDING' });
    expect(shown.events).toEqual([
      expect.objectContaining({ type: 'TRANSLATION_FAILED', detail: expect.stringContaining('answered 500') }),
    ]);
  });
});
