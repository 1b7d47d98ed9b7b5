import { env, exports } from 'cloudflare:workers';
import { HttpResponse, http } from 'msw';
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
import { sweepMetaInboundBatches } from '../../channels/meta/inbound';
import { signMetaBody } from '../../channels/meta/signature';

const PIXEL = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8]);
const graph = useFakeGraph(
  http.get('https://cdn.fake-meta.test/:file', () =>
    HttpResponse.arrayBuffer(PIXEL.buffer, { headers: { 'content-type': 'image/png' } }),
  ),
);

const MESSAGES = 'SELECT * FROM messages WHERE organization_id = ? ORDER BY created_at, seq';
const messagesOf = (organizationId: string) => rows(MESSAGES, organizationId);
/** The organisation's messages once `count` are there (accepted events reach the pipeline through the queue). */
const messagesWhen = (organizationId: string, count: number) =>
  settled(MESSAGES, [organizationId], (found) => found.length >= count);

async function handshake(provider: string, query: string) {
  const res = await exports.default.fetch(new Request(`http://localhost/api/webhooks/${provider}?${query}`));
  return { status: res.status, text: await res.text() };
}

describe('GET /api/webhooks/:provider (verify handshake)', () => {
  it('answers the raw challenge for the right token and 403 otherwise, per provider', async () => {
    const tokens = {
      facebook: env.FACEBOOK_VERIFY_TOKEN!,
      instagram: env.INSTAGRAM_VERIFY_TOKEN!,
      whatsapp: env.WHATSAPP_VERIFY_TOKEN!,
    };
    for (const [provider, token] of Object.entries(tokens)) {
      const right = await handshake(provider, `hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`);
      expect(right).toEqual({ status: 200, text: '1158201444' });
      const wrong = await handshake(provider, `hub.mode=subscribe&hub.verify_token=${token}x&hub.challenge=1`);
      expect(wrong.status).toBe(403);
      expect(wrong.text).not.toContain('1');
      expect((await handshake(provider, `hub.mode=unsubscribe&hub.verify_token=${token}&hub.challenge=1`)).status).toBe(
        403,
      );
      expect((await handshake(provider, 'hub.challenge=1')).status).toBe(403);
    }
    // One provider's token does not open another's endpoint.
    const crossed = await handshake(
      'whatsapp',
      `hub.mode=subscribe&hub.verify_token=${tokens.facebook}&hub.challenge=7`,
    );
    expect(crossed.status).toBe(403);
  });
});

describe('POST /api/webhooks/:provider signatures', () => {
  it('verifies over the exact raw bytes: escaped unicode passes, a re-serialised body would not', async () => {
    const { channel, accountId } = await metaChannel('WHATSAPP');
    // Meta escapes non-ASCII as \uXXXX; JSON.stringify would write the characters themselves.
    const raw = JSON.stringify(
      whatsappBody(accountId, { messages: [whatsappText('4915100000001', `wamid.${metaId()}`, 'GRUESSE')] }),
    ).replace('GRUESSE', 'Gr\\u00fc\\u00dfe \\u00e4');
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect(reserialised).not.toBe(raw);
    expect(await signMetaBody(env.FACEBOOK_APP_SECRET!, reserialised)).not.toBe(
      await signMetaBody(env.FACEBOOK_APP_SECRET!, raw),
    );

    const res = await postWebhook('whatsapp', raw);
    expect(res.status).toBe(200);
    const [message] = await messagesWhen(channel.organizationId, 1);
    expect(message!.content).toBe('Grüße ä');
  });

  it('refuses a missing, wrong or altered signature with 401 and writes nothing', async () => {
    const { channel, accountId, organization } = await metaChannel('FACEBOOK');
    const raw = JSON.stringify(
      messengerBody('page', [{ id: accountId, messaging: [messengerMessage(metaId(), `m_${metaId()}`, 'hello')] }]),
    );
    const altered = raw.replace('hello', 'hellp');
    const cases = [
      await postWebhook('facebook', raw, { signature: null }),
      await postWebhook('facebook', raw, { secret: 'not-the-app-secret' }),
      await postWebhook('facebook', altered, { signature: await signMetaBody(env.FACEBOOK_APP_SECRET!, raw) }),
      await postWebhook('facebook', raw, { signature: 'sha1=abc' }),
    ];
    for (const res of cases) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    }
    expect(cases[0]!.body.error.message).toBe('The X-Hub-Signature-256 header is missing');
    expect(cases[1]!.body.error.message).toBe('The X-Hub-Signature-256 signature does not match the app secret');
    await quiet();
    expect(await messagesOf(organization.id)).toEqual([]);
    expect(await rows('SELECT id FROM contacts WHERE channel_id = ?', channel.id)).toEqual([]);
    expect(await rows('SELECT * FROM meta_inbound_ids WHERE channel_id = ?', channel.id)).toEqual([]);
    expect(await rows('SELECT id FROM meta_inbound_batches WHERE channel_id = ?', channel.id)).toEqual([]);
    const [health] = await rows('SELECT * FROM meta_webhook_health WHERE key = ?', 'type:FACEBOOK');
    expect(health!.last_signature_failure).toMatch(/X-Hub-Signature-256/);
  });

  it("accepts a body signed with the channel's own app secret, and only for that channel", async () => {
    const own = await metaChannel('FACEBOOK', { appSecret: 'page-own-secret' });
    const other = await metaChannel('FACEBOOK');
    const raw = JSON.stringify(
      messengerBody('page', [
        { id: own.accountId, messaging: [messengerMessage(metaId(), `m_${metaId()}`, 'to own')] },
        { id: other.accountId, messaging: [messengerMessage(metaId(), `m_${metaId()}`, 'to other')] },
      ]),
    );
    const res = await postWebhook('facebook', raw, { secret: 'page-own-secret' });
    expect(res.status).toBe(200);
    expect((await messagesWhen(own.organization.id, 1)).map((m) => m.content)).toEqual(['to own']);
    await quiet();
    // The other page uses the installation's secret: a body signed with someone else's secret cannot speak for it.
    expect(await messagesOf(other.organization.id)).toEqual([]);
    // The installation's secret does not open the channel that has its own.
    const forged = JSON.stringify(
      messengerBody('page', [
        { id: own.accountId, messaging: [messengerMessage(metaId(), `m_${metaId()}`, 'forged')] },
      ]),
    );
    expect((await postWebhook('facebook', forged)).status).toBe(200);
    await quiet();
    expect((await messagesOf(own.organization.id)).map((m) => m.content)).toEqual(['to own']);
  });
});

describe('POST /api/webhooks/:provider delivery', () => {
  it('creates each message once for a replayed and for concurrently duplicated deliveries', async () => {
    const { accountId, organization } = await metaChannel('WHATSAPP');
    const raw = JSON.stringify(
      whatsappBody(accountId, { messages: [whatsappText('4915100000002', `wamid.${metaId()}`, 'once')] }),
    );
    expect((await postWebhook('whatsapp', raw)).status).toBe(200);
    expect((await postWebhook('whatsapp', raw)).status).toBe(200);
    const concurrent = JSON.stringify(
      whatsappBody(accountId, { messages: [whatsappText('4915100000003', `wamid.${metaId()}`, 'racing')] }),
    );
    const answers = await Promise.all(Array.from({ length: 6 }, () => postWebhook('whatsapp', concurrent)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await messagesWhen(organization.id, 2)).map((m) => m.content).sort()).toEqual(['once', 'racing']);
    await quiet();
    expect(await messagesOf(organization.id)).toHaveLength(2);
  });

  it('does not recreate a replayed message after its conversation was closed', async () => {
    const { accountId, organization } = await metaChannel('WHATSAPP');
    const raw = JSON.stringify(
      whatsappBody(accountId, { messages: [whatsappText('4915100000004', `wamid.${metaId()}`, 'late replay')] }),
    );
    expect((await postWebhook('whatsapp', raw)).status).toBe(200);
    expect(await messagesWhen(organization.id, 1)).toHaveLength(1);
    await env.DB.prepare("UPDATE conversations SET status = 'CLOSED' WHERE organization_id = ?")
      .bind(organization.id)
      .run();
    expect((await postWebhook('whatsapp', raw)).status).toBe(200);
    await quiet();
    expect(await messagesOf(organization.id)).toHaveLength(1);
    expect(await rows('SELECT id FROM conversations WHERE organization_id = ?', organization.id)).toHaveLength(1);
  });

  it('takes every message of every entry (2 entries × 2 messages → 4) and ignores echoes', async () => {
    const { accountId, organization, token } = await metaChannel('FACEBOOK');
    const [a, b] = [metaId(), metaId()];
    graph.account(accountId, token, 'messenger');
    graph.profiles.set(a, { first_name: 'Ada', last_name: 'Lovelace' });
    const raw = JSON.stringify(
      messengerBody('page', [
        {
          id: accountId,
          messaging: [messengerMessage(a, `m_${metaId()}`, 'a1'), messengerMessage(a, `m_${metaId()}`, 'a2')],
        },
        {
          id: accountId,
          messaging: [
            messengerMessage(b, `m_${metaId()}`, 'b1'),
            messengerMessage(b, `m_${metaId()}`, 'b2'),
            // Our own reply, echoed back by Meta.
            {
              ...messengerMessage(accountId, `m_${metaId()}`, 'echo', Date.now(), { is_echo: true }),
              recipient: { id: b },
            },
          ],
        },
      ]),
    );
    const res = await postWebhook('facebook', raw);
    expect(res.status).toBe(200);
    expect(res.body.data.received).toBe(4);
    const stored = await messagesWhen(organization.id, 4);
    expect(stored.map((m) => m.content).sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(stored.every((m) => m.direction === 'INBOUND')).toBe(true);
    // The profile is fetched once, when the contact is new, and stored.
    const contacts = await rows(
      'SELECT external_id, name FROM contacts WHERE organization_id = ? ORDER BY name',
      organization.id,
    );
    expect(contacts.find((c) => c.external_id === a)!.name).toBe('Ada Lovelace');
    const profileLookups = graph.requests.filter((r) => r.path === a);
    expect(profileLookups).toHaveLength(1);
    await postWebhook(
      'facebook',
      JSON.stringify(
        messengerBody('page', [{ id: accountId, messaging: [messengerMessage(a, `m_${metaId()}`, 'a3')] }]),
      ),
    );
    await messagesWhen(organization.id, 5);
    expect(graph.requests.filter((r) => r.path === a)).toHaveLength(1);
  });

  it('keeps an acknowledged event whose queue job was lost: the minute cron sends it again', async () => {
    const { channel, accountId, organization } = await metaChannel('WHATSAPP');
    const id = `wamid.${metaId()}`;
    // As the acknowledging request writes it, but its job never reached the queue (a restart lost it).
    await env.DB.prepare(
      'INSERT INTO meta_inbound_batches (id, organization_id, channel_id, events, sweeps, retry_at, created_at) VALUES (?, ?, ?, ?, 0, ?, ?)',
    )
      .bind(
        `lost-${id}`,
        organization.id,
        channel.id,
        JSON.stringify([
          {
            kind: 'message',
            message: {
              organizationId: organization.id,
              channelId: channel.id,
              externalContactId: '4915100000009',
              externalMessageId: id,
              content: 'kept after all',
            },
          },
        ]),
        Date.now() - 1000,
        Date.now() - 180_000,
      )
      .run();
    expect(accountId).toBeTruthy();
    expect(await sweepMetaInboundBatches(env)).toBeGreaterThanOrEqual(1);
    expect((await messagesWhen(organization.id, 1)).map((m) => m.content)).toEqual(['kept after all']);
    const left = await settled(
      'SELECT id FROM meta_inbound_batches WHERE id = ?',
      [`lost-${id}`],
      (r) => r.length === 0,
    );
    expect(left).toEqual([]);
  });

  it('acknowledges an event for an unknown page without storing anything', async () => {
    const raw = JSON.stringify(
      messengerBody('page', [{ id: metaId(), messaging: [messengerMessage(metaId(), `m_${metaId()}`, 'lost?')] }]),
    );
    const res = await postWebhook('facebook', raw);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ received: 0, unknownAccounts: 1 });
    await quiet();
    expect(await rows("SELECT id FROM messages WHERE content = 'lost?'")).toEqual([]);
  });

  it('copies WhatsApp and Messenger media into R2 at once and attaches it to the message', async () => {
    const wa = await metaChannel('WHATSAPP');
    graph.account(wa.accountId, wa.token, 'whatsapp');
    const mediaId = `media-${metaId()}`;
    graph.media.set(mediaId, { bytes: PIXEL, mimeType: 'image/jpeg' });
    const raw = JSON.stringify(
      whatsappBody(wa.accountId, {
        messages: [
          {
            from: '4915100000005',
            id: `wamid.${metaId()}`,
            timestamp: String(Math.floor(Date.now() / 1000)),
            type: 'image',
            image: { id: mediaId, mime_type: 'image/jpeg', sha256: 'x', caption: 'my receipt' },
          },
        ],
        contacts: [{ profile: { name: 'Wanda' }, wa_id: '4915100000005' }],
      }),
    );
    expect((await postWebhook('whatsapp', raw)).status).toBe(200);
    const [message] = await messagesWhen(wa.organization.id, 1);
    expect(message!.content).toBe('my receipt');
    const attachments = JSON.parse(message!.attachments) as string[];
    expect(attachments).toHaveLength(1);
    const [file] = await rows('SELECT * FROM media WHERE id = ?', attachments[0]);
    expect(file).toMatchObject({
      content_type: 'image/jpeg',
      size: PIXEL.byteLength,
      conversation_id: message!.conversation_id,
    });
    const object = await env.MEDIA.get(file!.storage_key);
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(PIXEL);
    const [contact] = await rows('SELECT name, phone FROM contacts WHERE organization_id = ?', wa.organization.id);
    expect(contact).toEqual({ name: 'Wanda', phone: '+4915100000005' });

    const fb = await metaChannel('FACEBOOK');
    graph.account(fb.accountId, fb.token, 'messenger');
    const sender = metaId();
    graph.profiles.set(sender, { first_name: 'Pat' });
    const withImage = messengerMessage(sender, `m_${metaId()}`, '', Date.now(), {
      text: undefined,
      attachments: [{ type: 'image', payload: { url: 'https://cdn.fake-meta.test/photo.png' } }],
    });
    expect(
      (
        await postWebhook(
          'facebook',
          JSON.stringify(messengerBody('page', [{ id: fb.accountId, messaging: [withImage] }])),
        )
      ).status,
    ).toBe(200);
    const [fbMessage] = await messagesWhen(fb.organization.id, 1);
    const [fbFile] = await rows('SELECT * FROM media WHERE id = ?', JSON.parse(fbMessage!.attachments)[0]);
    expect(fbFile!.content_type).toBe('image/png');
    expect(new Uint8Array(await (await env.MEDIA.get(fbFile!.storage_key))!.arrayBuffer())).toEqual(PIXEL);
  });
});
