import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { rows } from '../../../test/d1';
import {
  messengerBody,
  messengerMessage,
  metaChannel,
  metaId,
  postWebhook,
  quiet,
  settled,
  useFakeGraph,
  whatsappBody,
  whatsappText,
} from '../../../test/meta-webhooks';
import { postOutbound } from '../../conversations/pipeline';
import { createDb } from '../../db/client';
import { whatsappAdapter } from './adapters';

const graph = useFakeGraph();

const HOUR = 3_600_000;

/** A WhatsApp channel with one conversation whose customer last wrote `hoursAgo` hours ago. */
async function whatsappConversation(hoursAgo: number) {
  const setup = await metaChannel('WHATSAPP');
  graph.account(setup.accountId, setup.token, 'whatsapp');
  const customer = `49151${metaId().slice(-8)}`;
  const raw = JSON.stringify(
    whatsappBody(setup.accountId, {
      messages: [whatsappText(customer, `wamid.in${metaId()}`, 'Where is my parcel?', Date.now() - hoursAgo * HOUR)],
      contacts: [{ profile: { name: 'Ana' }, wa_id: customer }],
    }),
  );
  expect((await postWebhook('whatsapp', raw)).status).toBe(200);
  const [conversation] = await settled<{ id: string }>(
    'SELECT c.id FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE c.organization_id = ?',
    [setup.organization.id],
    (found) => found.length > 0,
  );
  return { ...setup, customer, conversationId: conversation!.id as string };
}

async function messengerConversation(hoursAgo: number) {
  const setup = await metaChannel('FACEBOOK');
  graph.account(setup.accountId, setup.token, 'messenger');
  const customer = metaId();
  graph.profiles.set(customer, { first_name: 'Max' });
  const raw = JSON.stringify(
    messengerBody('page', [
      {
        id: setup.accountId,
        messaging: [messengerMessage(customer, `m_in${metaId()}`, 'Hello?', Date.now() - hoursAgo * HOUR)],
      },
    ]),
  );
  expect((await postWebhook('facebook', raw)).status).toBe(200);
  const [conversation] = await settled<{ id: string }>(
    'SELECT c.id FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE c.organization_id = ?',
    [setup.organization.id],
    (found) => found.length > 0,
  );
  return { ...setup, customer, conversationId: conversation!.id as string };
}

const sendsTo = (accountId: string) => graph.sends.filter((s) => s.accountId === accountId);

async function reply(setup: { client: any; conversationId: string }, content: string) {
  const res = await setup.client.post(`/api/conversations/${setup.conversationId}/messages`, {
    conversationId: setup.conversationId,
    content,
  });
  expect(res.status).toBe(201);
  return res.body.data;
}

describe('Meta sends through the Graph API', () => {
  it('sends a WhatsApp reply inside the window with bearer auth and records the Graph message id', async () => {
    const setup = await whatsappConversation(1);
    const message = await reply(setup, 'It ships today.');
    expect(message.deliveryStatus).toBe('SENT');
    const [sent] = sendsTo(setup.accountId);
    expect(sent!.authorization).toBe(`Bearer ${setup.token}`);
    expect(sent!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: setup.customer,
      type: 'text',
      text: { body: 'It ships today.', preview_url: false },
    });
    const [row] = await rows('SELECT provider_message_id FROM messages WHERE id = ?', message.id);
    expect(row!.provider_message_id).toBe(sent!.messageId);
  });

  it('retries a 5xx with backoff and succeeds; a 4xx is not retried and its Graph error is recorded', async () => {
    const setup = await whatsappConversation(1);
    graph.failures = [{ status: 503, body: { error: { message: 'Service temporarily unavailable', code: 2 } } }];
    const retried = await reply(setup, 'First try fails.');
    expect(retried.deliveryStatus).toBe('SENT');
    expect(sendsTo(setup.accountId)).toHaveLength(1);

    const before = graph.requests.length;
    graph.failures = [{ status: 400, body: { error: { message: '(#100) Invalid parameter', code: 100 } } }];
    const refused = await reply(setup, 'Refused by Graph.');
    expect(refused.deliveryStatus).toBe('FAILED');
    expect(refused.events.map((e: any) => e.detail)).toContain(
      'Not sent: Graph API error 100: (#100) Invalid parameter',
    );
    expect(graph.requests.length - before).toBe(1);
  });

  it('applies receipts out of order without going backwards, and stores a failed status with its error', async () => {
    const setup = await whatsappConversation(1);
    const first = await reply(setup, 'One');
    const second = await reply(setup, 'Two');
    const [a, b] = sendsTo(setup.accountId);
    const status = (id: string, value: string, extra: object = {}) => ({
      id,
      status: value,
      timestamp: String(Math.floor(Date.now() / 1000)),
      recipient_id: setup.customer,
      ...extra,
    });
    // read arrives before delivered, and a late "sent" after both.
    const late = JSON.stringify(
      whatsappBody(setup.accountId, {
        statuses: [status(a!.messageId, 'read'), status(a!.messageId, 'delivered'), status(a!.messageId, 'sent')],
      }),
    );
    expect((await postWebhook('whatsapp', late)).status).toBe(200);
    const failed = JSON.stringify(
      whatsappBody(setup.accountId, {
        statuses: [
          status(b!.messageId, 'failed', {
            errors: [
              {
                code: 131047,
                title: 'Re-engagement message',
                message: 'Re-engagement message',
                error_data: { details: 'Message failed to send because more than 24 hours have passed' },
              },
            ],
          }),
        ],
      }),
    );
    expect((await postWebhook('whatsapp', failed)).status).toBe(200);
    await settled('SELECT delivery_status FROM messages WHERE id IN (?, ?)', [first.id, second.id], (found) =>
      found.every((m: any) => m.delivery_status === 'READ' || m.delivery_status === 'FAILED'),
    );
    await quiet();
    const messages = await setup.client.get(`/api/conversations/${setup.conversationId}/messages`);
    const byId = new Map<string, any>(messages.body.data.items.map((m: any) => [m.id, m]));
    expect(byId.get(first.id).deliveryStatus).toBe('READ');
    expect(byId.get(second.id).deliveryStatus).toBe('FAILED');
    expect(byId.get(second.id).events.map((e: any) => e.detail)).toContain(
      '131047 Re-engagement message: Message failed to send because more than 24 hours have passed',
    );
  });

  it('marks Messenger replies read from a read watermark', async () => {
    const setup = await messengerConversation(1);
    const sent = await reply(setup, 'On its way.');
    expect(sent.deliveryStatus).toBe('SENT');
    const raw = JSON.stringify(
      messengerBody('page', [
        {
          id: setup.accountId,
          messaging: [
            {
              sender: { id: setup.customer },
              recipient: { id: setup.accountId },
              read: { watermark: Date.now() + 1000 },
            },
          ],
        },
      ]),
    );
    expect((await postWebhook('facebook', raw)).status).toBe(200);
    const [row] = await settled(
      'SELECT delivery_status FROM messages WHERE id = ?',
      [sent.id],
      (found: any[]) => found[0]?.delivery_status === 'READ',
    );
    expect(row!.delivery_status).toBe('READ');
  });
});

describe('Meta messaging windows', () => {
  it('refuses WhatsApp free text at 25 h with a 409 and the reason before anything is stored or charged', async () => {
    const setup = await whatsappConversation(25);
    const channel = (await rows('SELECT * FROM channels WHERE id = ?', setup.channel.id))[0] as never;
    const reason = await whatsappAdapter.checkOutbound!(
      { organizationId: setup.organization.id, conversationId: setup.conversationId, senderType: 'AGENT' },
      { env, db: createDb(env.DB), channel },
    );
    expect(reason).toBe(
      "Not sent: WhatsApp's 24-hour window closed (the customer last wrote 25 h ago); only an approved template can be sent",
    );
    const balance = async () => (await setup.client.get('/api/auth/me')).body.data.organization.tokenBalance;
    const before = await balance();
    const refused = await setup.client.post(`/api/conversations/${setup.conversationId}/messages`, {
      conversationId: setup.conversationId,
      content: 'Free text, too late.',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT', message: reason });
    expect(await balance()).toBe(before);
    expect(
      await rows("SELECT id FROM messages WHERE conversation_id = ? AND direction = 'OUTBOUND'", setup.conversationId),
    ).toEqual([]);
    expect(sendsTo(setup.accountId)).toEqual([]);
    const window = await setup.client.get(`/api/conversations/${setup.conversationId}/window`);
    expect(window.body.data).toMatchObject({ applies: true, state: 'template-required', label: 'Template required' });
  });

  it('sends an approved template at 25 h from the composer, checked against the channel template list', async () => {
    const setup = await whatsappConversation(25);
    graph.templates.set(`waba-${setup.accountId}`, [
      {
        name: 'order_update',
        language: 'en_US',
        status: 'APPROVED',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way.' }],
      },
      { name: 'draft_one', language: 'en_US', status: 'PENDING', components: [] },
    ]);
    const list = await setup.client.get(`/api/channels/${setup.channel.id}/templates`);
    expect(list.body.data).toEqual([
      {
        name: 'order_update',
        language: 'en_US',
        category: 'UTILITY',
        body: 'Hi {{1}}, your order {{2}} is on its way.',
        parameterCount: 2,
      },
    ]);
    const path = `/api/conversations/${setup.conversationId}/template`;
    const wrong = await setup.client.post(path, { name: 'order_update', language: 'en_US', parameters: ['Ana'] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.fields.parameters).toEqual(['Template order_update takes 2 parameter(s), 1 given']);
    expect(
      await rows('SELECT external_id FROM meta_template_sends WHERE conversation_id = ?', setup.conversationId),
    ).toEqual([]);

    const sent = await setup.client.post(path, {
      name: 'order_update',
      language: 'en_US',
      parameters: ['Ana', '#1234'],
    });
    expect(sent.status).toBe(201);
    expect(sent.body.data).toMatchObject({
      content: 'Hi Ana, your order #1234 is on its way.',
      deliveryStatus: 'SENT',
    });
    const [out] = sendsTo(setup.accountId);
    expect(out!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: setup.customer,
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana' },
              { type: 'text', text: '#1234' },
            ],
          },
        ],
      },
    });
  });

  it('tags a human agent reply at 30 h on Messenger with HUMAN_AGENT and refuses an AI reply', async () => {
    const setup = await messengerConversation(30);
    const human = await reply(setup, 'Sorry for the wait!');
    expect(human.deliveryStatus).toBe('SENT');
    expect(sendsTo(setup.accountId).map((s) => s.body)).toEqual([
      {
        recipient: { id: setup.customer },
        messaging_type: 'MESSAGE_TAG',
        tag: 'HUMAN_AGENT',
        message: { text: 'Sorry for the wait!' },
      },
    ]);
    const ai = postOutbound(env, {
      organizationId: setup.organization.id,
      conversationId: setup.conversationId,
      senderType: 'AI',
      content: 'An automated answer.',
    });
    await expect(ai).rejects.toThrow(
      "Not sent: Messenger only allows automated replies within 24 hours of the customer's last message (it was 30 h ago); a human agent can still answer within 7 days",
    );
    expect(sendsTo(setup.accountId)).toHaveLength(1);
    const window = await setup.client.get(`/api/conversations/${setup.conversationId}/window`);
    expect(window.body.data).toMatchObject({ state: 'human-agent-only' });
  });

  it('answers a free Messenger reply inside 24 h as RESPONSE and shows when the window closes', async () => {
    const setup = await messengerConversation(21);
    await reply(setup, 'Quick answer.');
    expect(sendsTo(setup.accountId)[0]!.body.messaging_type).toBe('RESPONSE');
    const window = await setup.client.get(`/api/conversations/${setup.conversationId}/window`);
    expect(window.body.data).toMatchObject({ state: 'open', label: '24 h window closes in 3 h' });
    const connection = await setup.client.get(`/api/channels/${setup.channel.id}/meta`);
    expect(connection.body.data).toMatchObject({
      webhookUrl: 'http://localhost/api/webhooks/facebook',
      verifyToken: env.FACEBOOK_VERIFY_TOKEN,
      appSecretConfigured: true,
    });
    expect(typeof connection.body.data.lastEventAt).toBe('string');
  });
});
