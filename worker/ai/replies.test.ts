import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Client, signUpOwner } from '../../test/client';
import { chatCompletion } from '../../test/fake-openai';
import { tokenBalance } from '../billing/tokens';
import { receiveInbound } from '../conversations/pipeline';
import { createDb } from '../db/client';
import { messages, organizations, tokenLedger } from '../db/schema';
import { runAutoReply } from '../events/ai-replies';
import { DONT_KNOW_REPLY, ensureBuiltinProvider } from './providers/builtin';

const server = setupServer();
const requests: string[] = [];
beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  server.events.on('request:start', ({ request }) => {
    requests.push(request.url);
  });
});
afterEach(() => {
  server.resetHandlers();
  requests.length = 0;
});
afterAll(() => server.close());

const db = createDb(env.DB);
const SHIPPING =
  'We ship from Ljubljana every working day. Orders inside the EU arrive in 3 to 5 working days. Express delivery takes 1 day and costs 9 EUR. Our warehouse is closed on public holidays.';

async function workspace(channel: Record<string, unknown> = {}) {
  const { client, organization } = await signUpOwner();
  const group = (await client.post('/api/knowledge/groups', { name: 'Help centre' })).body.data;
  const article = (
    await client.post('/api/knowledge/articles', { groupId: group.id, title: 'Shipping times', content: SHIPPING })
  ).body.data;
  expect(article.status).toBe('READY');
  const created = await client.post('/api/channels', {
    type: 'WEBSITE_CHAT',
    name: 'Website',
    credentials: {},
    autoTranslate: false,
    knowledgeGroupIds: [group.id],
    ...channel,
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  return {
    client,
    organizationId: organization.id as string,
    channelId: created.body.data.id as string,
    articleId: article.id as string,
  };
}

async function inbound(organizationId: string, channelId: string, content: string, visitor = 'visitor-1') {
  return receiveInbound(env, {
    organizationId,
    channelId,
    externalContactId: visitor,
    content,
    contact: { name: 'Vera Visitor' },
  });
}

async function aiMessages(conversationId: string) {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.senderType, 'AI')));
}

async function openAiProvider(client: Client) {
  const res = await client.post('/api/ai-providers', {
    type: 'OPENAI',
    name: 'OpenAI',
    model: 'gpt-4o-mini',
    apiKey: 'sk-test-abcdefghijkl',
    isDefault: true,
  });
  return res.body.data.id as string;
}

describe('AI replies', () => {
  it('with no provider anywhere, generate-reply says where to add one', async () => {
    const { client, organizationId, channelId } = await workspace();
    const { message } = await inbound(organizationId, channelId, 'How long does express delivery take?');
    const res = await client.post(`/api/messages/${message.id}/generate-reply`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('Add an AI provider in Settings → AI Providers first');
  });

  it('the built-in provider drafts a cited answer from the channel knowledge, and charges tokens', async () => {
    const { client, organizationId, channelId, articleId } = await workspace();
    await ensureBuiltinProvider(db, organizationId);
    const before = await tokenBalance(db, organizationId);
    const { message, conversation } = await inbound(organizationId, channelId, 'How long does express delivery take?');
    const res = await client.post(`/api/messages/${message.id}/generate-reply`);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ senderType: 'AI', direction: 'OUTBOUND', approvalStatus: 'PENDING' });
    // The same message shape as every other message endpoint: ISO dates, sender, events.
    expect(res.body.data.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(res.body.data.events).toEqual([]);
    expect(res.body.data.sender).toBeNull();
    const listed = await client.get(`/api/conversations/${conversation.id}/messages`);
    expect(Object.keys(res.body.data).sort()).toEqual(Object.keys(listed.body.data.items.at(-1)).sort());
    expect(res.body.data.content).toContain('According to Shipping times: ');
    expect(res.body.data.content).toContain('Express delivery takes 1 day');
    expect(res.body.data.content).not.toContain('warehouse');
    expect(res.body.data.citations).toEqual([expect.objectContaining({ articleId, title: 'Shipping times' })]);
    expect(await tokenBalance(db, organizationId)).toBeLessThan(before);
    const [ledger] = await db.select().from(tokenLedger).where(eq(tokenLedger.reason, 'AI_REPLY'));
    expect(ledger).toMatchObject({ organizationId, referenceId: message.id });
    expect(await aiMessages(conversation.id)).toHaveLength(1);
  });

  it('the built-in provider says it does not know when the knowledge base has nothing relevant', async () => {
    const { client, organizationId, channelId } = await workspace();
    await ensureBuiltinProvider(db, organizationId);
    const { message } = await inbound(organizationId, channelId, 'Do you sell telescopes for astronomy?');
    const res = await client.post(`/api/messages/${message.id}/generate-reply`);
    expect(res.status).toBe(201);
    expect(res.body.data.content).toBe(DONT_KNOW_REPLY);
    expect(res.body.data.citations ?? []).toEqual([]);
  });

  it('an organisation without tokens gets 402 and no model is called', async () => {
    const { client, organizationId, channelId } = await workspace();
    await openAiProvider(client);
    await db.update(organizations).set({ tokenBalance: 0 }).where(eq(organizations.id, organizationId));
    server.use(http.post('https://api.openai.com/v1/chat/completions', () => HttpResponse.json({})));
    const { message, conversation } = await inbound(organizationId, channelId, 'Where is my parcel?');
    const res = await client.post(`/api/messages/${message.id}/generate-reply`);
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('INSUFFICIENT_TOKENS');
    expect(requests).toEqual([]);
    expect(await aiMessages(conversation.id)).toEqual([]);
  });

  it('an LLM provider gets the channel prompt, knowledge, history and earlier conversations; usage is charged', async () => {
    const { client, organizationId, channelId } = await workspace({ systemPrompt: 'You are Ana from Acme. Be warm.' });
    await openAiProvider(client);
    // An earlier conversation with the same visitor, answered and closed.
    const earlier = await inbound(organizationId, channelId, 'Do you ship to Norway?');
    await client.post(`/api/conversations/${earlier.conversation.id}/messages`, {
      conversationId: earlier.conversation.id,
      content: 'Yes, Norway takes 6 days.',
    });
    const closed = await client.patch(`/api/conversations/${earlier.conversation.id}`, { status: 'CLOSED' });
    expect(closed.status).toBe(200);

    let body: any;
    server.use(
      http.post('https://api.openai.com/v1/chat/completions', async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(
          chatCompletion(
            { content: 'Express takes one day, Vera!' },
            { prompt_tokens: 700, completion_tokens: 20, total_tokens: 720 },
          ),
        );
      }),
    );
    const before = await tokenBalance(db, organizationId);
    const { message, conversation } = await inbound(organizationId, channelId, 'How long does express delivery take?');
    expect(conversation.id).not.toBe(earlier.conversation.id);
    const res = await client.post(`/api/messages/${message.id}/generate-reply`);
    expect(res.status).toBe(201);
    expect(res.body.data.content).toBe('Express takes one day, Vera!');
    const system: string = body.messages[0].content;
    expect(system).toContain('You are Ana from Acme. Be warm.');
    expect(system).toContain('Express delivery takes 1 day');
    expect(system).toContain('Vera Visitor');
    expect(system).toContain('Customer: Do you ship to Norway?');
    expect(system).toContain('Us: Yes, Norway takes 6 days.');
    expect(body.messages.at(-1)).toEqual({ role: 'user', content: 'How long does express delivery take?' });
    expect(await tokenBalance(db, organizationId)).toBe(before - 720);
  });

  it('a channel that picks its own provider uses it instead of the org default', async () => {
    const { client, organizationId, channelId } = await workspace();
    await openAiProvider(client);
    const builtin = await ensureBuiltinProvider(db, organizationId);
    await client.patch(`/api/channels/${channelId}`, { aiProviderId: builtin.id });
    const { message } = await inbound(organizationId, channelId, 'How long does express delivery take?');
    const res = await client.post(`/api/messages/${message.id}/generate-reply`);
    expect(res.status).toBe(201);
    expect(res.body.data.content).toContain('According to Shipping times');
    expect(requests).toEqual([]);
  });

  it('only answers customer messages of the caller’s organisation', async () => {
    const { client, organizationId, channelId } = await workspace();
    await ensureBuiltinProvider(db, organizationId);
    const { message } = await inbound(organizationId, channelId, 'Hello?');
    const stranger = (await signUpOwner('Other')).client;
    expect((await stranger.post(`/api/messages/${message.id}/generate-reply`)).status).toBe(404);
    const draft = (await client.post(`/api/messages/${message.id}/generate-reply`)).body.data;
    expect((await client.post(`/api/messages/${draft.id}/generate-reply`)).status).toBe(400);
  });
});

describe('auto-reply modes', () => {
  async function settle(conversationId: string, expected: number) {
    for (let i = 0; i < 50 && (await aiMessages(conversationId)).length < expected; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return aiMessages(conversationId);
  }

  it('off: no draft is made', async () => {
    const { organizationId, channelId } = await workspace({ autoReply: false });
    await ensureBuiltinProvider(db, organizationId);
    const { message, conversation } = await inbound(organizationId, channelId, 'How long does express delivery take?');
    await runAutoReply(env, {
      kind: 'ai.reply',
      organizationId,
      conversationId: conversation.id,
      messageId: message.id,
    });
    expect(await aiMessages(conversation.id)).toEqual([]);
  });

  it('prepare: a draft waits for an agent, and running the job again makes no second draft', async () => {
    const { organizationId, channelId } = await workspace({ autoReply: true, autoApprove: false });
    await ensureBuiltinProvider(db, organizationId);
    const { message, conversation } = await inbound(organizationId, channelId, 'How long does express delivery take?');
    const job = { kind: 'ai.reply', organizationId, conversationId: conversation.id, messageId: message.id } as const;
    await runAutoReply(env, job);
    await runAutoReply(env, job);
    const drafts = await settle(conversation.id, 1);
    await runAutoReply(env, job);
    expect(await aiMessages(conversation.id)).toHaveLength(1);
    expect(drafts[0]).toMatchObject({ approvalStatus: 'PENDING', deliveryStatus: 'NOT_SENT' });
  });

  it('auto-approve: the reply is sent without review', async () => {
    const { organizationId, channelId } = await workspace({ autoReply: true, autoApprove: true });
    await ensureBuiltinProvider(db, organizationId);
    const { message, conversation } = await inbound(organizationId, channelId, 'How long does express delivery take?');
    await runAutoReply(env, {
      kind: 'ai.reply',
      organizationId,
      conversationId: conversation.id,
      messageId: message.id,
    });
    const [sent] = await settle(conversation.id, 1);
    expect(sent).toMatchObject({ approvalStatus: 'NONE' });
    expect(sent!.deliveryStatus).not.toBe('NOT_SENT');
    expect(sent!.content).toContain('Express delivery takes 1 day');
  });
});

describe('enhance and FAQ suggestions', () => {
  it('enhances an agent draft with the provider and charges it', async () => {
    const { client, organizationId, channelId } = await workspace();
    await openAiProvider(client);
    const { conversation } = await inbound(organizationId, channelId, 'Hi');
    let seen: any;
    server.use(
      http.post('https://api.openai.com/v1/chat/completions', async ({ request }) => {
        seen = await request.json();
        return HttpResponse.json(chatCompletion({ content: 'Thank you for waiting! Your order is on its way.' }));
      }),
    );
    const before = await tokenBalance(db, organizationId);
    const res = await client.post(`/api/conversations/${conversation.id}/enhance`, {
      content: 'thx for waiting order is coming',
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ content: 'Thank you for waiting! Your order is on its way.' });
    expect(seen.messages.at(-1)).toEqual({ role: 'user', content: 'thx for waiting order is coming' });
    expect(await tokenBalance(db, organizationId)).toBe(before - 42);
    expect((await client.post(`/api/conversations/${conversation.id}/enhance`, { content: '' })).status).toBe(400);
  });

  it('suggests FAQs from READY articles without saving them (admins only)', async () => {
    const { client, organizationId, articleId } = await workspace();
    await ensureBuiltinProvider(db, organizationId);
    const res = await client.post('/api/faqs/generate', { count: 2 });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      {
        question: 'What should I know about Shipping times?',
        answer: expect.stringContaining('Orders inside the EU arrive in 3 to 5 working days.'),
        sourceArticleId: articleId,
      },
    ]);
    expect((await client.get('/api/faqs')).body.data).toEqual([]);
    expect((await client.post('/api/faqs/generate', { count: 11 })).status).toBe(400);
  });
});
