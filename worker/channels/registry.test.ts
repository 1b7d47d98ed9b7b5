import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { UNBUILT_CREDENTIALS } from '../../test/channel-credentials';
import { outboundOn } from '../../test/channel-fixture';
import { fakeAccount, mailTo } from '../../test/smtp-mailbox';
import { createDb } from '../db/client';
import { type ChannelType, media, outboundEmails } from '../db/schema';
import { deliver } from './registry';

const db = createDb(env.DB);

/** The registry tests' shorthand for the shared fixture. */
function conversationOn(
  type: ChannelType,
  contact: { email?: string } = {},
  subject: string | null = null,
  credentials: Record<string, unknown> = type === 'EMAIL' ? fakeAccount() : {},
) {
  return outboundOn(type, { contact, subject, credentials });
}

describe('channel adapters', () => {
  it('reports a website chat reply as delivered: the conversation actor pushes it to the visitor', async () => {
    const { channel, message } = await conversationOn('WEBSITE_CHAT');
    expect(await deliver(env, db, channel, message)).toEqual({
      status: 'DELIVERED',
      detail: 'shown in the chat widget',
    });
  });

  it('emails a reply from the channel\'s own SMTP account to the contact, under "Re: <subject>"', async () => {
    const address = `buyer-${crypto.randomUUID()}@example.test`;
    const { channel, message, organizationId } = await conversationOn('EMAIL', { email: address }, 'Order 1234');
    const result = await deliver(env, db, channel, message);
    expect(result).toEqual({
      status: 'SENT',
      detail: `emailed to ${address} from support@shop.test`,
      // The Message-ID the reply went out with (carrying the conversation's token): receipts find it by this.
      externalId: expect.stringMatching(/^hs\.[\w-]+\.[A-Za-z0-9]{16}\.[A-Za-z0-9]+@shop\.test$/),
    });
    const [mail, ...more] = await mailTo(address);
    expect(more).toEqual([]);
    expect(mail!.from).toBe('support@shop.test');
    expect(mail!.raw).toContain('Subject: Re: Order 1234');
    expect(mail!.raw).toContain('Your parcel left our warehouse today.');
    // The system mailer (MAIL_FROM) is not involved in a channel's replies.
    const system = await db.select().from(outboundEmails).where(eq(outboundEmails.organizationId, organizationId));
    expect(system).toEqual([]);
  });

  it('keeps an existing "Re:" rather than stacking another', async () => {
    const address = `thread-${crypto.randomUUID()}@example.test`;
    const { channel, message } = await conversationOn('EMAIL', { email: address }, 'RE: Order 77');
    expect((await deliver(env, db, channel, message)).status).toBe('SENT');
    const [mail] = await mailTo(address);
    expect(mail!.raw).toContain('Subject: RE: Order 77\r\n');
  });

  it('attaches the files of the reply, read from storage', async () => {
    const address = `files-${crypto.randomUUID()}@example.test`;
    const { channel, message, organizationId, conversationId } = await conversationOn(
      'EMAIL',
      { email: address },
      'Invoice',
    );
    const storageKey = `org/${organizationId}/${crypto.randomUUID()}/invoice.txt`;
    await env.MEDIA.put(storageKey, 'Invoice 1234: 20 EUR');
    const [file] = await db
      .insert(media)
      .values({
        organizationId,
        conversationId,
        storageKey,
        fileName: 'invoice.txt',
        contentType: 'text/plain',
        size: 20,
      })
      .returning();
    const result = await deliver(env, db, channel, { ...message, attachments: [file!.id] });
    expect(result.status).toBe('SENT');
    const [mail] = await mailTo(address);
    expect(mail!.raw).toContain('filename="invoice.txt"');
    expect(mail!.raw).toContain(btoa('Invoice 1234: 20 EUR'));
  });

  it("fails with the server's reason when the channel's SMTP login is refused", async () => {
    const address = `refused-${crypto.randomUUID()}@example.test`;
    const { channel, message } = await conversationOn(
      'EMAIL',
      { email: address },
      'Order 5',
      fakeAccount({ password: 'no-longer-valid-4321' }),
    );
    const result = await deliver(env, db, channel, message);
    expect(result.status).toBe('FAILED');
    expect(result.detail).toMatch(/^Authentication failed: 535 /);
    expect(result.detail).not.toContain('no-longer-valid');
    expect(await mailTo(address)).toEqual([]);
  });

  it('fails with a reason when the email contact has no address, sending nothing', async () => {
    const { channel, message, organizationId } = await conversationOn('EMAIL');
    const result = await deliver(env, db, channel, message);
    expect(result).toEqual({ status: 'FAILED', detail: 'the contact has no email address' });
    const sent = await db.select().from(outboundEmails).where(eq(outboundEmails.organizationId, organizationId));
    expect(sent).toEqual([]);
  });

  it('never marks a reply SENT on a channel whose sender is not built: FAILED, with the reason', async () => {
    for (const type of ['TELEGRAM'] as const) {
      const { channel, message } = await conversationOn(type, {}, null, { ...UNBUILT_CREDENTIALS[type] });
      const result = await deliver(env, db, channel, message);
      expect(result.status, type).toBe('FAILED');
      expect(result.detail).toMatch(/^Not sent: sending to [\w ]+ is not available on this installation yet$/);
    }
    // TikTok sends through the organisation's TikTok integration: without one, FAILED with that reason.
    const tiktok = await conversationOn('TIKTOK', {}, null, { ...UNBUILT_CREDENTIALS.TIKTOK });
    expect(await deliver(env, db, tiktok.channel, tiktok.message)).toEqual({
      status: 'FAILED',
      detail: 'Not sent: TikTok is not connected',
    });
  });

  it('fails with a reason, sending nothing, when the stored credentials are incomplete', async () => {
    const address = `partial-${crypto.randomUUID()}@example.test`;
    const { channel, message } = await conversationOn('EMAIL', { email: address }, 'Order 3', { host: '127.0.0.1' });
    expect(await deliver(env, db, channel, message)).toEqual({
      status: 'FAILED',
      detail: "Not sent: the EMAIL channel channel's credentials are incomplete",
    });
    expect(await mailTo(address)).toEqual([]);
  });

  it('never delivers an internal note: handing one to an adapter throws and nothing is sent', async () => {
    const address = `note-${crypto.randomUUID()}@example.test`;
    const { channel, message } = await conversationOn('EMAIL', { email: address }, 'Order 99');
    await expect(deliver(env, db, channel, { ...message, isNote: true })).rejects.toThrow(/must never be delivered/);
    expect(await mailTo(address)).toEqual([]);
  });
});
