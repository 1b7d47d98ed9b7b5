import { env } from 'cloudflare:workers';
import { and, asc, eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { signUpOwner } from '../../../test/client';
import { emailFixture, fakeAccount, mailTo } from '../../../test/smtp-mailbox';
import { createDb } from '../../db/client';
import { channels, contacts, conversations, emailMessages, media, messages } from '../../db/schema';
import { aiReplySubscriber } from '../../events/ai-replies';
import worker from '../../index';
import { encryptJson } from '../../lib/secrets';
import { deliver } from '../registry';
import { importEmail } from './inbound';

const db = createDb(env.DB);

async function emailChannel(changes: Partial<typeof channels.$inferInsert> = {}) {
  const { organization } = await signUpOwner();
  const [channel] = await db
    .insert(channels)
    .values({
      organizationId: organization.id,
      type: 'EMAIL',
      name: 'Support mail',
      credentialsEncrypted: await encryptJson(env.ENCRYPTION_KEY, fakeAccount()),
      ...changes,
    })
    .returning();
  return channel!;
}

async function imported(channel: Awaited<ReturnType<typeof emailChannel>>, raw: Uint8Array) {
  const result = await importEmail(env, channel, raw);
  if (result.status !== 'stored') throw new Error(`expected the mail to be stored, got ${JSON.stringify(result)}`);
  const [message] = await db.select().from(messages).where(eq(messages.id, result.messageId));
  const [conversation] = await db.select().from(conversations).where(eq(conversations.id, result.conversationId));
  return { result, message: message!, conversation: conversation! };
}

/** An ASCII fixture with some text swapped (another sender, another Message-ID). */
function variant(name: string, swaps: Record<string, string>, placeholders: Record<string, string> = {}) {
  let text = new TextDecoder('latin1').decode(emailFixture(name, placeholders));
  for (const [from, to] of Object.entries(swaps)) text = text.split(from).join(to);
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

async function conversationsOf(channelId: string) {
  return db
    .select()
    .from(conversations)
    .where(eq(conversations.channelId, channelId))
    .orderBy(asc(conversations.createdAt));
}

/** Sends an agent reply in the conversation through the channel and returns its Message-ID. */
async function agentReply(channel: Awaited<ReturnType<typeof emailChannel>>, conversationId: string, text: string) {
  const [message] = await db
    .insert(messages)
    .values({
      organizationId: channel.organizationId,
      conversationId,
      seq: 99,
      direction: 'OUTBOUND',
      senderType: 'AGENT',
      content: text,
    })
    .returning();
  const result = await deliver(env, db, channel, message!);
  expect(result.status).toBe('SENT');
  return result.externalId!;
}

describe('inbound email: content', () => {
  it('a plain text mail opens a conversation with its subject, and keeps From, To and Cc', async () => {
    const channel = await emailChannel();
    const { message, conversation } = await imported(channel, emailFixture('plain.eml'));
    expect(conversation.subject).toBe('Where is my order 1234?');
    expect(message.direction).toBe('INBOUND');
    expect(message.externalId).toBe('CAJane-plain-0001@mail.customer.test');
    expect(message.content).toBe(
      'Hello,\n\nI ordered a lamp last week (order 1234) and it has not arrived. Could you check where it is? Grüße\n\nJane',
    );
    const [contact] = await db.select().from(contacts).where(eq(contacts.id, conversation.contactId));
    expect(contact).toMatchObject({
      externalId: 'jane.doe@customer.test',
      email: 'jane.doe@customer.test',
      name: 'Jane Doe',
    });
    const [row] = await db.select().from(emailMessages).where(eq(emailMessages.messageId, message.id));
    expect(row).toMatchObject({
      direction: 'INBOUND',
      subject: 'Where is my order 1234?',
      fromAddress: 'jane.doe@customer.test',
      fromName: 'Jane Doe',
      toAddresses: ['support@shop.test'],
      ccAddresses: ['max@customer.test'],
      conversationId: conversation.id,
      autoSubmitted: false,
      quoted: null,
    });
  });

  it('an HTML-only mail becomes plain text: no markup, script, style, link target or tracking image', async () => {
    const channel = await emailChannel();
    const { message, conversation } = await imported(channel, emailFixture('html-only.eml'));
    expect(conversation.subject).toBe('Commande retardée');
    expect(message.content).toBe('Bonjour,\n\nMa commande 5678 est en retard. Suivi\n\nMerci');
  });

  it('a mail in ISO-8859-1 is decoded: body, encoded subject and sender name', async () => {
    const channel = await emailChannel();
    const { message, conversation } = await imported(channel, emailFixture('latin1.eml'));
    expect(message.content).toBe('Guten Tag,\n\nich möchte die Bestellung zurückgeben. Schöne Grüße');
    expect(conversation.subject).toBe('Rückgabe der Bestellung');
    const [contact] = await db.select().from(contacts).where(eq(contacts.id, conversation.contactId));
    expect(contact!.name).toBe('Jürgen Müller');
  });

  it('attachments go to R2 and into the message; a type the dashboard does not take is kept as plain bytes', async () => {
    const channel = await emailChannel();
    const { message, conversation } = await imported(channel, emailFixture('multipart-attachments.eml'));
    expect(message.content).toBe('The lamp arrived broken. Photo and invoice attached.');
    expect(message.attachments).toHaveLength(3);
    const rows = await db.select().from(media).where(eq(media.conversationId, conversation.id));
    const byName = Object.fromEntries(rows.map((row) => [row.fileName, row]));
    expect(Object.keys(byName).sort()).toEqual(['invoice 1234.pdf', 'lamp.png', 'page.html']);
    expect(byName['lamp.png']!.contentType).toBe('image/png');
    expect(byName['invoice 1234.pdf']!.contentType).toBe('application/pdf');
    expect(byName['page.html']!.contentType).toBe('application/octet-stream');
    expect(message.attachments.sort()).toEqual(rows.map((row) => row.id).sort());
    const png = await env.MEDIA.get(byName['lamp.png']!.storageKey);
    const bytes = new Uint8Array(await png!.arrayBuffer());
    expect([...bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(byName['lamp.png']!.size).toBe(bytes.byteLength);
    const pdf = await env.MEDIA.get(byName['invoice 1234.pdf']!.storageKey);
    expect(await pdf!.text()).toContain('%PDF-1.4');
  });

  it('the same mail twice is stored once', async () => {
    const channel = await emailChannel();
    const first = await imported(channel, emailFixture('plain.eml'));
    const again = await importEmail(env, channel, emailFixture('plain.eml'));
    expect(again).toEqual({ status: 'duplicate', conversationId: first.conversation.id, messageId: first.message.id });
    const stored = await db.select().from(messages).where(eq(messages.conversationId, first.conversation.id));
    expect(stored).toHaveLength(1);
    expect(await db.select().from(emailMessages).where(eq(emailMessages.channelId, channel.id))).toHaveLength(1);
  });

  it("ignores mail from the channel's own address (no loop through our own copies)", async () => {
    const channel = await emailChannel();
    const raw = variant('plain.eml', { 'jane.doe@customer.test': 'support@shop.test' });
    expect(await importEmail(env, channel, raw)).toEqual({
      status: 'ignored',
      reason: "the message was sent from the channel's own address",
    });
    expect(await conversationsOf(channel.id)).toEqual([]);
  });
});

describe('inbound email: threading', () => {
  it('a Gmail reply joins the conversation of the mail it references and collapses the quoted history', async () => {
    const channel = await emailChannel();
    const first = await imported(channel, emailFixture('plain.eml'));
    // A newer open conversation of the same customer (started by an agent) must not capture the reply.
    await db.insert(conversations).values({
      organizationId: channel.organizationId,
      channelId: channel.id,
      contactId: first.conversation.contactId,
      subject: 'Another matter',
      lastMessageAt: new Date(Date.now() + 60_000),
    });
    const reply = await imported(
      channel,
      emailFixture('gmail-reply.eml', { IN_REPLY_TO: '<CAJane-plain-0001@mail.customer.test>' }),
    );
    expect(reply.conversation.id).toBe(first.conversation.id);
    expect(reply.message.content).toBe('Thanks, but the tracking page still shows nothing.');
    const [row] = await db.select().from(emailMessages).where(eq(emailMessages.messageId, reply.message.id));
    expect(row!.quoted).toMatch(/^On Tue, Dec 1, 2026 at 10:00 AM Shop Support <support@shop.test>\nwrote:/);
    expect(row!.quoted).toContain('> Your parcel left our warehouse today.');
    expect(row!.subject).toBe('Re: Where is my order 1234? (still nothing)');
  });

  it('an Outlook reply without References, with a new subject, finds its conversation by our Message-ID token', async () => {
    const channel = await emailChannel();
    const first = await imported(channel, emailFixture('plain.eml'));
    const ourId = await agentReply(channel, first.conversation.id, 'Your parcel left our warehouse today.');
    expect(ourId).toMatch(new RegExp(`^hs\\.${first.conversation.id}\\.[A-Za-z0-9]{16}\\.[A-Za-z0-9]+@shop\\.test$`));
    // A new conversation of the same customer is newer, so only the token can lead the reply back.
    await imported(channel, variant('plain.eml', { 'CAJane-plain-0001': 'CAJane-unrelated-0099' }));
    const reply = await imported(channel, emailFixture('outlook-reply.eml', { IN_REPLY_TO: `<${ourId}>` }));
    expect(reply.conversation.id).toBe(first.conversation.id);
    expect(reply.message.content).toBe('Could you also send the invoice again?');
    const [row] = await db.select().from(emailMessages).where(eq(emailMessages.messageId, reply.message.id));
    expect(row!.quoted).toMatch(/^_{32}\nFrom: Shop Support <support@shop.test>\nSent: /);
  });

  it('a forged token (wrong HMAC) is not trusted: the mail starts its own conversation', async () => {
    const channel = await emailChannel();
    const first = await imported(channel, emailFixture('plain.eml'));
    const forged = `<hs.${first.conversation.id}.AAAAAAAAAAAAAAAA.x1@shop.test>`;
    const reply = await imported(channel, emailFixture('outlook-reply.eml', { IN_REPLY_TO: forged }));
    expect(reply.conversation.id).not.toBe(first.conversation.id);
  });

  it('a fresh mail that replies to nothing starts a new conversation even while another is open', async () => {
    const channel = await emailChannel();
    const first = await imported(channel, emailFixture('plain.eml'));
    const second = await imported(channel, variant('plain.eml', { 'CAJane-plain-0001': 'CAJane-new-topic-0002' }));
    expect(second.conversation.id).not.toBe(first.conversation.id);
    expect(second.conversation.contactId).toBe(first.conversation.contactId);
    expect((await conversationsOf(channel.id)).map((c) => c.status)).toEqual(['OPEN', 'OPEN']);
  });

  it("someone else replying to the same mail does not join that customer's conversation", async () => {
    const channel = await emailChannel();
    const first = await imported(channel, emailFixture('plain.eml'));
    const stranger = await imported(
      channel,
      variant(
        'gmail-reply.eml',
        { 'jane.doe@customer.test>\r\nTo:': 'max@customer.test>\r\nTo:', 'From: Jane Doe': 'From: Max Buyer' },
        { IN_REPLY_TO: '<CAJane-plain-0001@mail.customer.test>' },
      ),
    );
    expect(stranger.conversation.id).not.toBe(first.conversation.id);
    expect(stranger.conversation.contactId).not.toBe(first.conversation.contactId);
  });

  it('a reply to a closed conversation starts a new one', async () => {
    const channel = await emailChannel();
    const first = await imported(channel, emailFixture('plain.eml'));
    await db.update(conversations).set({ status: 'CLOSED' }).where(eq(conversations.id, first.conversation.id));
    const reply = await imported(
      channel,
      emailFixture('gmail-reply.eml', { IN_REPLY_TO: '<CAJane-plain-0001@mail.customer.test>' }),
    );
    expect(reply.conversation.id).not.toBe(first.conversation.id);
    expect(reply.conversation.status).toBe('OPEN');
  });
});

describe('outbound email threading headers', () => {
  it("a reply carries our Message-ID, In-Reply-To the customer's mail and the full References chain", async () => {
    const channel = await emailChannel();
    const first = await imported(channel, emailFixture('plain.eml'));
    const reply = await imported(
      channel,
      emailFixture('gmail-reply.eml', { IN_REPLY_TO: '<CAJane-plain-0001@mail.customer.test>' }),
    );
    const text = `Checking with the carrier ${crypto.randomUUID()}`;
    const ourId = await agentReply(channel, first.conversation.id, text);
    const mail = (await mailTo('jane.doe@customer.test')).find((m) => m.raw.includes(text))!;
    const headers = mail.raw.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
    expect(headers).toContain(`Message-ID: <${ourId}>`);
    expect(headers).toContain('In-Reply-To: <CAJane-gmail-reply-0005@mail.customer.test>');
    expect(headers).toContain(
      'References: <CAJane-plain-0001@mail.customer.test> <CAJane-plain-0001@mail.customer.test> <CAJane-gmail-reply-0005@mail.customer.test>',
    );
    // The customer changed the subject; the reply keeps theirs.
    expect(headers).toContain('Subject: Re: Where is my order 1234? (still nothing)');
    expect(headers).not.toContain('Auto-Submitted');
    const [row] = await db
      .select()
      .from(emailMessages)
      .where(and(eq(emailMessages.channelId, channel.id), eq(emailMessages.rfcMessageId, ourId)));
    expect(row).toMatchObject({ direction: 'OUTBOUND', conversationId: reply.conversation.id });
  });
});

describe('auto-replies', () => {
  it('an Auto-Submitted mail is stored but never asks for an AI reply; a customer mail does', async () => {
    const channel = await emailChannel({ autoReply: true });
    const first = await imported(channel, emailFixture('plain.eml'));
    const auto = await imported(channel, emailFixture('auto-reply.eml', { IN_REPLY_TO: '<x@y.test>' }));
    expect(auto.result.automated).toBe(true);
    const [row] = await db.select().from(emailMessages).where(eq(emailMessages.messageId, auto.message.id));
    expect(row!.autoSubmitted).toBe(true);
    const send = vi.fn(async () => undefined);
    const jobsEnv = { ...env, JOBS: { send, sendBatch: vi.fn() } as unknown as Queue };
    const event = (message: typeof first.message) => ({
      type: 'message.accepted' as const,
      id: crypto.randomUUID(),
      organizationId: channel.organizationId,
      conversationId: message.conversationId,
      channelId: channel.id,
      messageId: message.id,
      occurredAt: new Date().toISOString(),
      actor: { type: 'CONTACT' as const, id: null },
    });
    await aiReplySubscriber.run(jobsEnv, event(auto.message) as never);
    expect(send).not.toHaveBeenCalled();
    await aiReplySubscriber.run(jobsEnv, event(first.message) as never);
    expect(send).toHaveBeenCalledTimes(1);
  });
});

describe('the email handler (Email Workers)', () => {
  function incoming(raw: Uint8Array, to = 'support@shop.test', rawSize = raw.byteLength) {
    const rejected: string[] = [];
    const message = {
      from: 'jane.doe@customer.test',
      to,
      raw: new Blob([raw]).stream(),
      rawSize,
      headers: new Headers(),
      canBeForwarded: false,
      setReject: (reason: string) => rejected.push(reason),
      forward: async () => ({ messageId: '' }),
      reply: async () => ({ messageId: '' }),
    } as unknown as ForwardableEmailMessage;
    return { message, rejected };
  }

  it("imports mail sent to a channel's address, once however often it is delivered", async () => {
    const channel = await emailChannel();
    const address = `desk-${crypto.randomUUID()}@shop.test`;
    await db
      .update(channels)
      .set({ credentialsEncrypted: await encryptJson(env.ENCRYPTION_KEY, fakeAccount({ from: address })) })
      .where(eq(channels.id, channel.id));
    const raw = emailFixture('plain.eml');
    for (let i = 0; i < 2; i++) {
      const { message, rejected } = incoming(raw, address.toUpperCase());
      await worker.email!(message, env);
      expect(rejected).toEqual([]);
    }
    const [conversation, ...more] = await conversationsOf(channel.id);
    expect(more).toEqual([]);
    const stored = await db.select().from(messages).where(eq(messages.conversationId, conversation!.id));
    expect(stored.map((m) => m.externalId)).toEqual(['CAJane-plain-0001@mail.customer.test']);
  });

  it('refuses mail over the size limit with setReject and stores nothing', async () => {
    const channel = await emailChannel();
    const { message, rejected } = incoming(emailFixture('plain.eml'), 'support@shop.test', 10 * 1024 * 1024 + 1);
    await worker.email!(message, env);
    expect(rejected).toEqual(['Message too large: the limit is 10485760 bytes']);
    expect(await conversationsOf(channel.id)).toEqual([]);
    expect(await db.select().from(emailMessages).where(eq(emailMessages.channelId, channel.id))).toEqual([]);
  });

  it('refuses mail to an address no channel has', async () => {
    const { message, rejected } = incoming(emailFixture('plain.eml'), `nobody-${crypto.randomUUID()}@shop.test`);
    await worker.email!(message, env);
    expect(rejected).toEqual(['Unknown recipient']);
  });
});
