import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addMember } from '../../test/client';
import { rows } from '../../test/d1';
import {
  commentBody,
  messageBody,
  ownerWithTikTok,
  postTikTokWebhook,
  settleComment,
  tiktokId,
  useFakeTikTok,
} from '../../test/tiktok';
import { ensureAccount } from '../billing/account';
import { signTikTokBody } from '../channels/tiktok/signature';
import { openConversation, upsertContact } from '../conversations/intake';
import { conversationActor, refOf } from '../conversations/refs';
import { createDb } from '../db/client';
import {
  automationComments,
  automationDms,
  automationThrottles,
  billingAccounts,
  channels,
  organizations,
} from '../db/schema';
import { evaluateComment } from './engine';

const fake = useFakeTikTok();

const DAY = 86_400_000;
const keyword = (...keywords: string[]) => ({ groups: [[{ type: 'KEYWORD', keywords }]] });

async function setup(options: { scopes?: string[] } = {}) {
  const owner = await ownerWithTikTok(fake, options);
  const create = async (body: Record<string, unknown>) => {
    const res = await owner.client.post('/api/automations/triggers', {
      status: 'ACTIVE',
      action: { kind: 'MESSAGE', text: 'Hi! Here is the price list 💸' },
      ...body,
    });
    expect(res.status).toBe(201);
    return res.body.data as { id: string; name: string; priority: number };
  };
  /** Posts a signed comment webhook and runs its evaluation (the queue may run it too: both are safe). */
  const comment = async (
    text: string,
    extra: { userId?: string; videoId?: string; at?: number; commentId?: string } = {},
  ) => {
    const commentId = extra.commentId ?? tiktokId('c');
    const userId = extra.userId ?? tiktokId('u');
    fake.comments.set(commentId, userId);
    const res = await postTikTokWebhook(
      commentBody(owner.openId, {
        commentId,
        videoId: extra.videoId ?? owner.videos[0]!.item_id,
        userId,
        text,
        at: extra.at,
      }),
    );
    expect(res.status).toBe(200);
    await settleComment(owner.organizationId, commentId);
    return { commentId, userId, res };
  };
  const log = async (triggerId: string) =>
    (await owner.client.get(`/api/automations/triggers/${triggerId}/evaluations`)).body.data.evaluations;
  const dmsFor = (commentId: string) => fake.dms.filter((d) => d.recipient === commentId);
  return { ...owner, create, comment, log, dmsFor };
}

describe('comment → DM through the one outbound road', () => {
  it('a comment matching three triggers sends one DM from the highest; the others are logged "lower priority"', async () => {
    const s = await setup();
    const video = await s.create({
      name: 'Live drop',
      match: { groups: [[{ type: 'VIDEO', postIds: [s.videos[0]!.item_id] }]] },
    });
    const kw = await s.create({ name: 'Price', match: keyword('PRICE', 'ราคา') });
    const q = await s.create({
      name: 'Questions',
      match: { groups: [[{ type: 'QUESTION' }]] },
      publicReply: 'Sent you a DM 💌',
    });
    const { commentId, userId } = await s.comment('ราคาเท่าไหร่คะ？');
    expect(s.dmsFor(commentId)).toEqual([
      expect.objectContaining({
        recipientType: 'COMMENT',
        recipient: commentId,
        text: 'Hi! Here is the price list 💸',
      }),
    ]);
    expect((await s.log(video.id))[0]).toMatchObject({ commentId, outcome: 'FIRED' });
    expect((await s.log(kw.id))[0]).toMatchObject({ commentId, outcome: 'LOWER_PRIORITY' });
    expect((await s.log(q.id))[0]).toMatchObject({ commentId, outcome: 'LOWER_PRIORITY' });
    // The DM is a SYSTEM message in the commenter's TikTok conversation, SENT with TikTok's id.
    const [message] = await rows(
      `SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts k ON k.id = c.contact_id
       WHERE m.organization_id = ? AND k.external_id = ?`,
      s.organizationId,
      userId,
    );
    expect(message).toMatchObject({
      sender_type: 'SYSTEM',
      direction: 'OUTBOUND',
      delivery_status: 'SENT',
      external_id: `comment:${commentId}`,
    });
    expect(fake.replies.filter((r) => r.commentId === commentId)).toEqual([]);
  });

  it('a replayed webhook (and a second evaluation) stores the comment once and sends one DM and one public reply', async () => {
    const s = await setup();
    await s.create({ name: 'Price', match: keyword('price'), publicReply: 'Check your DMs!' });
    const commentId = tiktokId('c');
    const userId = tiktokId('u');
    fake.comments.set(commentId, userId);
    const raw = commentBody(s.openId, { commentId, videoId: s.videos[0]!.item_id, userId, text: 'price pls' });
    const first = await postTikTokWebhook(raw);
    const again = await postTikTokWebhook(raw);
    expect(first.body.data.outcome).toBe('comment');
    expect(again.body.data.outcome).toBe('duplicate-comment');
    await Promise.all([
      evaluateComment(env, s.organizationId, commentId),
      evaluateComment(env, s.organizationId, commentId),
    ]);
    await settleComment(s.organizationId, commentId);
    expect(s.dmsFor(commentId)).toHaveLength(1);
    expect(fake.replies.filter((r) => r.commentId === commentId)).toEqual([
      expect.objectContaining({ text: 'Check your DMs!', videoId: s.videos[0]!.item_id }),
    ]);
    expect(await rows('SELECT * FROM automation_comments WHERE comment_id = ?', commentId)).toHaveLength(1);
    expect(await rows('SELECT * FROM messages WHERE external_id = ?', `comment:${commentId}`)).toHaveLength(1);
  });

  it('throttles per commenter × trigger for 24 hours (24 h − 1 s: throttled, 24 h + 1 s: fires), with the reason logged', async () => {
    const s = await setup();
    const kw = await s.create({ name: 'Price', match: keyword('price') });
    const userId = tiktokId('u');
    const t0 = Date.now() - 3 * DAY;
    const first = await s.comment('price?', { userId, at: t0 });
    const under = await s.comment('price again', { userId, at: t0 + DAY - 1000 });
    const over = await s.comment('price once more', { userId, at: t0 + DAY + 1000 });
    expect(s.dmsFor(first.commentId)).toHaveLength(1);
    expect(s.dmsFor(under.commentId)).toHaveLength(0);
    expect(s.dmsFor(over.commentId)).toHaveLength(1);
    const log = await s.log(kw.id);
    const underEntry = log.find((e: any) => e.commentId === under.commentId);
    expect(underEntry.outcome).toBe('THROTTLED');
    expect(underEntry.reason).toContain('already fired for this commenter');
    // Another commenter is not throttled by the first one.
    const other = await s.comment('price', { at: t0 + DAY - 1000 });
    expect(s.dmsFor(other.commentId)).toHaveLength(1);
  });

  it('two comments of the same user evaluated at once claim the throttle once: one DM', async () => {
    const s = await setup();
    await s.create({ name: 'Price', match: keyword('price') });
    const userId = tiktokId('u');
    const ids = [tiktokId('c'), tiktokId('c')];
    for (const commentId of ids) {
      fake.comments.set(commentId, userId);
      await postTikTokWebhook(
        commentBody(s.openId, { commentId, videoId: s.videos[0]!.item_id, userId, text: 'price' }),
      );
    }
    await Promise.all(ids.map((id) => evaluateComment(env, s.organizationId, id)));
    for (const id of ids) await settleComment(s.organizationId, id);
    expect(ids.flatMap((id) => s.dmsFor(id))).toHaveLength(1);
  });

  it('comments on posts older than the 30-day listening window fire nothing and say why', async () => {
    const s = await setup();
    const kw = await s.create({ name: 'Price', match: keyword('price') });
    const old = {
      item_id: tiktokId('old'),
      create_time: Math.floor((Date.now() - 40 * DAY) / 1000),
      caption: 'Old',
      is_live: false,
    };
    fake.accounts.get(s.openId)!.videos.push(old);
    const { commentId } = await s.comment('price', { videoId: old.item_id });
    expect(s.dmsFor(commentId)).toEqual([]);
    expect((await s.log(kw.id))[0]).toMatchObject({
      commentId,
      outcome: 'OUTSIDE_WINDOW',
      reason: 'outside the window: the post is older than the 30-day comment-listening window',
    });
  });

  it('with partial scopes the trigger still fires but the DM is not sent, and the log says which scope is missing', async () => {
    const s = await setup({ scopes: ['comment.list.manage', 'video.list'] });
    const kw = await s.create({ name: 'Price', match: keyword('price'), publicReply: 'Hi!' });
    const { commentId } = await s.comment('price');
    expect(s.dmsFor(commentId)).toEqual([]);
    const [entry] = await s.log(kw.id);
    expect(entry.outcome).toBe('MISSING_SCOPE');
    expect(entry.reason).toContain('missing scope: the TikTok connection lacks message.list.send');
    // The public reply needs only the comment scope, which was granted.
    expect(fake.replies.filter((r) => r.commentId === commentId)).toHaveLength(1);
    const cards = (await s.client.get('/api/integrations')).body.data.integrations;
    expect(cards[0].missingScopes).toEqual(['message.list.send']);
  });

  it('a blocked account cannot be DM’d: the message is FAILED with TikTok’s reason and the log says so', async () => {
    const s = await setup();
    const kw = await s.create({ name: 'Price', match: keyword('price') });
    const userId = tiktokId('u');
    fake.blocked.add(userId);
    const { commentId } = await s.comment('price', { userId });
    const [entry] = await s.log(kw.id);
    expect(entry.outcome).toBe('DM_FAILED');
    expect(entry.reason).toContain('The user has blocked this account');
    const [message] = await rows('SELECT delivery_status FROM messages WHERE external_id = ?', `comment:${commentId}`);
    expect(message!.delivery_status).toBe('FAILED');
  });

  it('at the contact cap the DM is queued and the public reply is still posted', async () => {
    const s = await setup();
    const kw = await s.create({ name: 'Price', match: keyword('price'), publicReply: 'Sent you a DM' });
    const db = createDb(env.DB);
    await db.update(organizations).set({ plan: 'ENTERPRISE' }).where(eq(organizations.id, s.organizationId));
    await ensureAccount(db, s.organizationId);
    await db
      .update(billingAccounts)
      .set({ customContacts: 0 })
      .where(eq(billingAccounts.organizationId, s.organizationId));
    const { commentId } = await s.comment('price');
    expect(s.dmsFor(commentId)).toEqual([]);
    expect(fake.replies.filter((r) => r.commentId === commentId)).toHaveLength(1);
    const [entry] = await s.log(kw.id);
    expect(entry.outcome).toBe('CONTACT_CAP');
    const [held] = await rows(
      'SELECT m.approval_status FROM held_messages h JOIN messages m ON m.id = h.message_id WHERE m.external_id = ?',
      `comment:${commentId}`,
    );
    expect(held!.approval_status).toBe('PENDING');
  });

  it('"first comment from this user" counts comments on any post of the account', async () => {
    const s = await setup();
    const first = await s.create({ name: 'Welcome', match: { groups: [[{ type: 'FIRST_COMMENT' }]] } });
    const userId = tiktokId('u');
    const a = await s.comment('hello', { userId, videoId: s.videos[0]!.item_id, at: Date.now() - 60_000 });
    const b = await s.comment('hello again', { userId, videoId: s.videos[1]!.item_id });
    expect(s.dmsFor(a.commentId)).toHaveLength(1);
    const entry = (await s.log(first.id)).find((e: any) => e.commentId === b.commentId);
    expect(entry.outcome).toBe('NOT_MATCHED');
  });
});

describe('recovery after a run died mid-send', () => {
  async function strandedDm(s: Awaited<ReturnType<typeof setup>>, text: string) {
    const trigger = await s.create({ name: 'Price', match: keyword('price') });
    const commentId = tiktokId('c');
    const userId = tiktokId('u');
    fake.comments.set(commentId, userId);
    const db = createDb(env.DB);
    const now = Date.now();
    // What a run leaves behind when it dies after storing the DM and before recording its delivery.
    await db.insert(automationComments).values({
      organizationId: s.organizationId,
      commentId,
      channelId: (await db.select().from(channels).where(eq(channels.organizationId, s.organizationId)))[0]!.id,
      postId: s.videos[0]!.item_id,
      commenterId: userId,
      text,
      commentedAt: new Date(now - 10 * 60_000),
      receivedAt: new Date(now - 10 * 60_000),
    });
    const [channel] = await db.select().from(channels).where(eq(channels.organizationId, s.organizationId));
    const contact = await upsertContact(db, channel!, userId);
    const { conversation } = await openConversation(env, db, contact);
    await conversationActor(env, conversation.id).append(refOf(conversation), {
      direction: 'OUTBOUND',
      senderType: 'SYSTEM',
      senderId: null,
      senderName: null,
      content: 'Hi! Here is the price list 💸',
      attachments: [],
      files: [],
      externalId: `comment:${commentId}`,
    } as never);
    await db.insert(automationThrottles).values({
      triggerId: trigger.id,
      commenterId: userId,
      organizationId: s.organizationId,
      commentId,
      firedAt: new Date(now - 10 * 60_000),
    });
    await db.insert(automationDms).values({
      organizationId: s.organizationId,
      commentId,
      triggerId: trigger.id,
      claimedAt: new Date(now - 5 * 60_000),
    });
    return { trigger, commentId };
  }

  it('the retry hands the stored DM to TikTok once; if TikTok already had it, TikTok refuses a second one', async () => {
    const s = await setup();
    const lost = await strandedDm(s, 'price');
    await settleComment(s.organizationId, lost.commentId);
    expect(s.dmsFor(lost.commentId)).toHaveLength(1);
    expect((await s.log(lost.trigger.id))[0]).toMatchObject({ commentId: lost.commentId, outcome: 'FIRED' });
    expect(
      await rows('SELECT delivery_status FROM messages WHERE external_id = ?', `comment:${lost.commentId}`),
    ).toEqual([{ delivery_status: 'SENT' }]);

    const s2 = await setup();
    const reached = await strandedDm(s2, 'price');
    // The dead run's send did reach TikTok before it died.
    fake.dms.push({
      businessId: s2.openId,
      recipientType: 'COMMENT',
      recipient: reached.commentId,
      text: 'x',
      messageId: 'm-x',
    });
    await settleComment(s2.organizationId, reached.commentId);
    expect(s2.dmsFor(reached.commentId)).toHaveLength(1);
    const [entry] = await s2.log(reached.trigger.id);
    expect(entry.outcome).toBe('DM_FAILED');
    expect(entry.reason).toContain('A private reply was already sent for this comment');
  });
});

describe('the TikTok webhook', () => {
  it('checks the signature over the raw bytes before storing anything; stale timestamps are refused', async () => {
    const s = await setup();
    const commentId = tiktokId('c');
    const raw = commentBody(s.openId, { commentId, videoId: s.videos[0]!.item_id, userId: 'u1', text: 'price' });
    expect((await postTikTokWebhook(raw, { signature: null })).status).toBe(401);
    expect((await postTikTokWebhook(raw, { secret: 'wrong' })).status).toBe(401);
    const stale = await postTikTokWebhook(raw, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    expect(stale.body.error.message).toContain('more than 5 minutes');
    const tampered = await signTikTokBody(env.TIKTOK_CLIENT_SECRET!, raw);
    expect((await postTikTokWebhook(raw.replace('price', 'PRICE'), { signature: tampered })).status).toBe(401);
    expect(await rows('SELECT * FROM automation_comments WHERE comment_id = ?', commentId)).toEqual([]);
    expect((await postTikTokWebhook(raw)).status).toBe(200);
    expect(await rows('SELECT comment_id FROM automation_comments WHERE comment_id = ?', commentId)).toHaveLength(1);
  });

  it('a DM lands in the inbox once; an agent reply goes to the TikTok conversation within the window', async () => {
    const s = await setup();
    const userId = tiktokId('u');
    const raw = messageBody(s.openId, {
      messageId: tiktokId('m'),
      conversationId: 'conv-1',
      userId,
      text: 'do you ship to Bangkok?',
    });
    expect((await postTikTokWebhook(raw)).status).toBe(200);
    expect((await postTikTokWebhook(raw)).status).toBe(200);
    const inbound = await rows(
      `SELECT m.content, m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
       JOIN contacts k ON k.id = c.contact_id WHERE k.external_id = ? AND m.direction = 'INBOUND'`,
      userId,
    );
    expect(inbound.map((m) => m.content)).toEqual(['do you ship to Bangkok?']);
    const agent = await addMember(s.client, 'AGENT');
    const reply = await agent.client.post(`/api/conversations/${inbound[0]!.conversation_id}/messages`, {
      conversationId: inbound[0]!.conversation_id,
      content: 'Yes, 3 days!',
    });
    expect(reply.status).toBeLessThan(300);
    expect(fake.dms.filter((d) => d.recipient === 'conv-1')).toEqual([
      expect.objectContaining({ recipientType: 'CONVERSATION', text: 'Yes, 3 days!' }),
    ]);
    // Cards show events arriving.
    const cards = (await s.client.get('/api/integrations')).body.data.integrations;
    expect(cards[0].webhook).toMatchObject({ state: 'RECEIVING', label: 'Receiving events' });
  });
});
