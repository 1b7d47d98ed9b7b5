import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { signUpOwner } from '../../../test/client';
import { emailFixture, imapAccount } from '../../../test/smtp-mailbox';
import { createDb } from '../../db/client';
import { channels } from '../../db/schema';
import { encryptJson } from '../../lib/secrets';
import type { EmailCredentials } from '../credentials';
import { importEmail } from './inbound';
import { pollChannel } from './poll';

const db = createDb(env.DB);

async function ownerWithEmailChannel(credentials: Record<string, unknown>) {
  const owner = await signUpOwner();
  const [channel] = await db
    .insert(channels)
    .values({
      organizationId: owner.organization.id,
      type: 'EMAIL',
      name: 'Support mail',
      credentialsEncrypted: await encryptJson(env.ENCRYPTION_KEY, credentials),
    })
    .returning();
  return { ...owner, channel: channel! };
}

describe('GET /api/email', () => {
  it("lists a conversation's Subject, From, To, Cc and quoted history per message; another organisation gets 404", async () => {
    const { client, channel } = await ownerWithEmailChannel(imapAccount().credentials);
    const first = await importEmail(env, channel, emailFixture('plain.eml'));
    const reply = await importEmail(
      env,
      channel,
      emailFixture('gmail-reply.eml', { IN_REPLY_TO: '<CAJane-plain-0001@mail.customer.test>' }),
    );
    if (first.status !== 'stored' || reply.status !== 'stored') throw new Error('not stored');
    const res = await client.get(`/api/email/conversations/${first.conversationId}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      {
        messageId: first.messageId,
        direction: 'INBOUND',
        subject: 'Where is my order 1234?',
        from: { address: 'jane.doe@customer.test', name: 'Jane Doe' },
        to: ['support@shop.test'],
        cc: ['max@customer.test'],
        quoted: null,
        autoSubmitted: false,
      },
      expect.objectContaining({
        messageId: reply.messageId,
        subject: 'Re: Where is my order 1234? (still nothing)',
        quoted: expect.stringContaining('> Your parcel left our warehouse today.'),
      }),
    ]);
    const stranger = await signUpOwner();
    const other = await stranger.client.get(`/api/email/conversations/${first.conversationId}`);
    expect(other.status).toBe(404);
    const tooLong = await client.get(`/api/email/conversations/${'x'.repeat(101)}`);
    expect(tooLong.status).toBe(400);
  });

  it('shows the last poll error of an email channel ("last poll failed")', async () => {
    const { credentials } = imapAccount({ password: 'not the password' });
    const { client, channel } = await ownerWithEmailChannel(credentials);
    await pollChannel(env, channel, credentials as unknown as EmailCredentials);
    const res = await client.get(`/api/email/channels/${channel.id}/status`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      lastError: 'Authentication failed: NO [AUTHENTICATIONFAILED] Invalid credentials',
      lastSuccessAt: null,
      quarantined: [],
    });
    expect(typeof res.body.data.lastPollAt).toBe('string');
  });
});
