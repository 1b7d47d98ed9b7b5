import { env } from 'cloudflare:workers';
import { UNBUILT_CREDENTIALS } from '../../test/channel-credentials';
import { outboundOn } from '../../test/channel-fixture';
import { fakeAccount, mailPorts } from '../../test/smtp-mailbox';
import { createDb } from '../db/client';
import type { ChannelType } from '../db/schema';
import { adapterContract } from './adapter.contract';
import type { EmailCredentials } from './credentials';
import { emailAdapter } from './email/adapter';
import { facebookAdapter, instagramAdapter, whatsappAdapter } from './meta/adapters';
import { tiktokAdapter } from './tiktok/adapter';
import { unbuiltAdapter } from './unbuilt';
import { websiteChatAdapter } from './website-chat/adapter';

const db = createDb(env.DB);

/** A channel of the type with one contact (who has an email address), one conversation and one outbound reply. */
const fixture = (type: ChannelType, credentials: Record<string, unknown> = {}) =>
  outboundOn(type, { contact: { email: `buyer-${crypto.randomUUID()}@example.test` }, credentials });

adapterContract('website chat', {
  adapter: websiteChatAdapter,
  fixture: () => fixture('WEBSITE_CHAT'),
  payloads: [
    { visitorId: 'v_1', clientMessageId: 'c_1', content: 'Do you ship to Austria?' },
    { visitorId: 'v_2', clientMessageId: 'c_2', content: '', attachments: ['m_1'], name: 'Ana' },
  ],
});

adapterContract('email', {
  adapter: emailAdapter,
  fixture: () => fixture('EMAIL', fakeAccount()),
  payloads: [
    {
      messageId: '<a1@mail.example>',
      from: { address: 'Buyer@Example.test', name: 'Bea Buyer' },
      subject: 'Order 1234',
      text: 'Where is my order?',
      date: 'Tue, 01 Dec 2026 10:00:00 +0000',
    },
    // postal-mime's shape of an HTML-only reply with an attachment already stored (inbound.ts).
    {
      headers: [{ key: 'auto-submitted', originalKey: 'Auto-Submitted', value: 'no' }],
      headerLines: [],
      messageId: '<b2@mail.example>',
      inReplyTo: '<a1@mail.example>',
      references: '<a1@mail.example>',
      from: { address: 'buyer@example.test', name: '' },
      to: [{ address: 'support@shop.test', name: 'Support' }],
      subject: 'Re: Order 1234',
      html: '<p>Still <b>waiting</b>.</p><blockquote>On Tue wrote: old</blockquote>',
      attachments: [],
      attachmentIds: ['m_1'],
    },
  ],
  // Nothing listens on the closed port: the server cannot be reached.
  failingContext: async ({ channel }) => ({
    env,
    db,
    channel,
    credentials: fakeAccount({ port: mailPorts().closed }) as EmailCredentials,
  }),
});

// Meta channels: real payloads in, and a send whose token Graph refuses (nothing answers the fake base URL
// here, so every call fails) is an honest FAILED.
const META = [
  {
    name: 'Facebook Messenger',
    adapter: facebookAdapter,
    type: 'FACEBOOK',
    payload: {
      object: 'page',
      entry: [
        {
          id: '1001',
          time: 1764583200000,
          messaging: [
            {
              sender: { id: '2001' },
              recipient: { id: '1001' },
              timestamp: 1764583200000,
              message: { mid: 'm_abc', text: 'Is my order shipped?' },
            },
          ],
        },
      ],
    },
  },
  {
    name: 'Instagram',
    adapter: instagramAdapter,
    type: 'INSTAGRAM',
    payload: {
      object: 'instagram',
      entry: [
        {
          id: '1002',
          time: 1764583200000,
          messaging: [
            {
              sender: { id: '3001' },
              recipient: { id: '1002' },
              timestamp: 1764583200000,
              message: { mid: 'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3', text: 'Do you have it in blue?' },
            },
          ],
        },
      ],
    },
  },
  {
    name: 'WhatsApp',
    adapter: whatsappAdapter,
    type: 'WHATSAPP',
    payload: {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1004',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550001111', phone_number_id: '1003' },
                contacts: [{ profile: { name: 'Kerry' }, wa_id: '4915100000000' }],
                messages: [
                  {
                    from: '4915100000000',
                    id: 'wamid.HBgL',
                    timestamp: '1764583200',
                    type: 'text',
                    text: { body: 'Hallo' },
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  },
] as const;

for (const meta of META) {
  adapterContract(meta.name, {
    adapter: meta.adapter as never,
    fixture: () => fixture(meta.type, { ...UNBUILT_CREDENTIALS[meta.type] }),
    payloads: [meta.payload],
    failingContext: async ({ channel }) => ({
      env: { ...env, META_GRAPH_BASE_URL: 'https://localhost/v21.0' },
      db,
      channel,
      credentials: { ...UNBUILT_CREDENTIALS[meta.type] } as never,
    }),
  });
}

adapterContract('TikTok', {
  adapter: tiktokAdapter,
  // No TikTok integration is connected for the fixture's organisation: a send is FAILED with that reason.
  fixture: () => fixture('TIKTOK', {}),
  payloads: [
    {
      client_key: 'ck',
      event: 'direct_message.receive',
      create_time: 1764000000,
      user_openid: 'biz-1',
      content: JSON.stringify({
        message_id: 'm-1',
        conversation_id: 'conv-1',
        text: 'ราคาเท่าไหร่คะ',
        create_time: 1764000000,
        from: { open_id: 'user-1', display_name: 'Nok' },
      }),
    },
  ],
  failingContext: async ({ channel }) => ({ env, db, channel, credentials: {} }),
});

for (const [type, credentials] of Object.entries(UNBUILT_CREDENTIALS).filter(
  ([type]) => !META.some((meta) => meta.type === type) && type !== 'TIKTOK',
) as [ChannelType, object][]) {
  adapterContract(`${type} (sender not built yet)`, {
    adapter: unbuiltAdapter(type),
    fixture: () => fixture(type, { ...credentials }),
    // Nothing comes in from these channels yet: their webhooks are not built.
    payloads: [],
    failingContext: async ({ channel }) => ({ env, db, channel, credentials }),
  });
}
