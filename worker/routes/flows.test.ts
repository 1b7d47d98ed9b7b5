import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
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
import { runFlowUpkeep, startFlowRun, stepRun } from '../automations/flows/runs';
import { createDb } from '../db/client';
import { automationFlowRuns, automationProducts } from '../db/schema';
import { aiReplySubscriber } from '../events/ai-replies';

const fake = useFakeTikTok();

const db = createDb(env.DB);
const HOUR = 3_600_000;

/** Polls until `check` returns something truthy (queue hops take about a second each). */
async function until<T>(check: () => Promise<T | null | undefined | false>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const SERUM_FLOW = [
  { id: 'hi', type: 'MESSAGE', text: 'Hi! 👋' },
  {
    id: 'shade',
    type: 'QUICK_REPLIES',
    text: 'Which shade?',
    field: 'shade',
    options: [{ label: 'Light' }, { label: 'Medium' }],
  },
  { id: 'link', type: 'SHOP_LINK', productId: 'p-light', text: 'Here you go:' },
  { id: 'size', type: 'QUESTION', text: '30 or 50 ml?', field: 'size' },
  { id: 'pause', type: 'WAIT', amount: 10, unit: 'MINUTES' },
  { id: 'tag', type: 'TAG', tag: 'serum-lead' },
  { id: 'bye', type: 'MESSAGE', text: 'Shout if you need anything ✨' },
];

async function setup() {
  const owner = await ownerWithTikTok(fake);
  const org = owner.organizationId;
  await db.insert(automationProducts).values([
    {
      organizationId: org,
      productId: 'p-light',
      name: 'Glow serum Light',
      skus: ['GS-L-30', 'GS-L-50'],
      syncedAt: new Date(),
    },
    { organizationId: org, productId: 'p-medium', name: 'Glow serum Medium', skus: ['GS-M-30'], syncedAt: new Date() },
  ]);
  const createFlow = async (blocks: unknown[] = SERUM_FLOW, name = 'Serum') => {
    const res = await owner.client.post('/api/automations/flows', { name, blocks });
    expect(res.status).toBe(201);
    return res.body.data as { id: string; name: string; version: number };
  };
  const createTrigger = async (flowId: string, name = 'Price → serum flow') => {
    const res = await owner.client.post('/api/automations/triggers', {
      name,
      status: 'ACTIVE',
      match: { groups: [[{ type: 'KEYWORD', keywords: ['price'] }]] },
      action: { kind: 'FLOW', flowId },
    });
    expect(res.status).toBe(201);
    return res.body.data as { id: string; name: string };
  };
  const comment = async (userId: string, text = 'price?') => {
    const commentId = tiktokId('c');
    fake.comments.set(commentId, userId);
    const res = await postTikTokWebhook(
      commentBody(owner.openId, { commentId, videoId: owner.videos[0]!.item_id, userId, text }),
    );
    expect(res.status).toBe(200);
    await settleComment(org, commentId);
    return commentId;
  };
  /** A buyer's DM; the same `messageId` posted again is TikTok redelivering it. */
  const dm = async (userId: string, text: string, messageId = tiktokId('m')) => {
    const res = await postTikTokWebhook(
      messageBody(owner.openId, { messageId, conversationId: `tc-${userId}`, userId, text }),
    );
    expect(res.status).toBe(200);
    return messageId;
  };
  const conversationOf = async (userId: string) =>
    until(
      async () =>
        (
          await rows<{ id: string }>(
            'SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.organization_id = ? AND k.external_id = ?',
            org,
            userId,
          )
        )[0]?.id,
      `the conversation of ${userId}`,
    );
  const automation = async (conversationId: string) =>
    (await owner.client.get(`/api/conversations/${conversationId}/automation`)).body.data;
  const threadDms = (userId: string) => fake.dms.filter((d) => d.recipient === `tc-${userId}`).map((d) => d.text);
  const notes = (conversationId: string) =>
    rows<{ content: string }>(
      "SELECT content FROM messages WHERE conversation_id = ? AND is_note = 1 AND sender_type = 'SYSTEM' ORDER BY seq",
      conversationId,
    );
  const run = async (conversationId: string) =>
    (
      await db
        .select()
        .from(automationFlowRuns)
        .where(and(eq(automationFlowRuns.organizationId, org), eq(automationFlowRuns.conversationId, conversationId)))
    ).sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())[0]!;
  return { ...owner, org, createFlow, createTrigger, comment, dm, conversationOf, automation, threadDms, notes, run };
}

describe('flows: CRUD and validation', () => {
  it('refuses invalid flows with fields; versions on edit; runs keep theirs; duplicate is clean; delete in use is 409', async () => {
    const s = await setup();
    const bad = await s.client.post('/api/automations/flows', {
      name: 'Bad',
      blocks: [
        {
          id: 'q',
          type: 'QUICK_REPLIES',
          text: 'Pick',
          field: 'pick',
          options: ['a', 'b', 'c', 'd', 'e'].map((label) => ({ label })),
        },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    expect(bad.body.error.fields).toEqual({ 'blocks.0.options': ['At most 4 quick replies'] });
    const links = await s.client.post('/api/automations/flows', {
      name: 'Links',
      blocks: [
        {
          id: 'm',
          type: 'MESSAGE',
          text: 'https://shop.tiktok.com/view/product/p-light or https://shop.tiktok.com/view/product/p-medium',
        },
      ],
    });
    expect(links.body.error.fields).toEqual({ 'blocks.0.text': ['A message has at most one shop link'] });
    const nowhere = await s.client.post('/api/automations/flows', {
      name: 'Nowhere',
      blocks: [
        { id: 'q', type: 'QUESTION', text: 'Size?', field: 'size' },
        { id: 'b', type: 'BRANCH', field: 'size', cases: [{ equals: 'S', next: 'q' }], else: 'x' },
      ],
    });
    expect(nowhere.body.error.fields).toEqual({ 'blocks.1.else': ['No block with id "x"'] });
    const unknown = await s.client.post('/api/automations/flows', {
      name: 'Unknown product',
      blocks: [{ id: 's', type: 'SHOP_LINK', productId: 'p-nope' }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.fields).toEqual({ 'blocks.0.productId': ['No such product in the synced catalog'] });

    expect((await s.client.get('/api/automations/products')).body.data).toEqual([
      {
        productId: 'p-light',
        name: 'Glow serum Light',
        skus: ['GS-L-30', 'GS-L-50'],
        url: 'https://shop.tiktok.com/view/product/p-light',
      },
      {
        productId: 'p-medium',
        name: 'Glow serum Medium',
        skus: ['GS-M-30'],
        url: 'https://shop.tiktok.com/view/product/p-medium',
      },
    ]);
    const flow = await s.createFlow();
    expect(flow).toMatchObject({ name: 'Serum', version: 1, triggerCount: 0, activeRuns: 0 });
    const viewer = await addMember(s.client, 'VIEWER');
    expect((await viewer.client.get('/api/automations/flows')).body.data.map((f: { id: string }) => f.id)).toEqual([
      flow.id,
    ]);
    expect((await viewer.client.post('/api/automations/flows', { name: 'x', blocks: SERUM_FLOW })).status).toBe(403);
    const badTrigger = await s.client.post('/api/automations/triggers', {
      name: 'Ghost flow',
      match: { groups: [[{ type: 'KEYWORD', keywords: ['x'] }]] },
      action: { kind: 'FLOW', flowId: crypto.randomUUID() },
    });
    expect(badTrigger.body.error.fields).toEqual({ 'action.flowId': ['No such flow'] });
    const trigger = await s.createTrigger(flow.id);

    // A run starts on version 1; the flow is edited to version 2 mid-run; the run finishes on version 1.
    const buyer = tiktokId('u');
    await s.comment(buyer);
    const conversationId = await s.conversationOf(buyer);
    const edited = await s.client.patch(`/api/automations/flows/${flow.id}`, {
      blocks: [
        { id: 'hi', type: 'MESSAGE', text: 'New greeting' },
        { id: 'shade', type: 'QUESTION', text: 'Which shade (v2)?', field: 'shade' },
      ],
    });
    expect(edited.body.data).toMatchObject({ version: 2, triggerCount: 1, activeRuns: 1 });
    await s.dm(buyer, 'Light');
    await until(async () => (await s.run(conversationId)).currentBlockId === 'size', 'the run to reach size');
    expect(s.threadDms(buyer)).toEqual(['Here you go:\nhttps://shop.tiktok.com/view/product/p-light', '30 or 50 ml?']);
    expect((await s.automation(conversationId)).flow).toEqual({ id: flow.id, name: 'Serum', version: 1 });

    const inUse = await s.client.delete(`/api/automations/flows/${flow.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.message).toContain('"Price → serum flow"');

    // "Reset everything": duplicate the flow and the trigger; point the copy at the copy; the same buyer's new
    // comment fires the copy (no throttle history) and starts a run of the copied flow.
    const copy = (await s.client.post(`/api/automations/flows/${flow.id}/duplicate`)).body.data;
    expect(copy).toMatchObject({ name: 'Serum (copy)', version: 1, activeRuns: 0, triggerCount: 0 });
    expect(copy.blocks[1]).toMatchObject({ type: 'QUESTION', text: 'Which shade (v2)?' });
    const triggerCopy = (await s.client.post(`/api/automations/triggers/${trigger.id}/duplicate`)).body.data;
    await s.client.patch(`/api/automations/triggers/${trigger.id}`, { status: 'DRAFT' });
    const pointed = await s.client.patch(`/api/automations/triggers/${triggerCopy.id}`, {
      status: 'ACTIVE',
      action: { kind: 'FLOW', flowId: copy.id },
    });
    expect(pointed.status).toBe(200);
    await s.comment(buyer, 'price again?');
    await until(async () => (await s.run(conversationId)).flowId === copy.id, 'a run of the copy');
    expect(await s.automation(conversationId)).toMatchObject({
      trigger: { id: triggerCopy.id },
      flow: { id: copy.id, version: 1 },
      currentBlockId: 'shade',
    });
    const flows = (await s.client.get('/api/automations/flows')).body.data;
    expect(flows.find((f: { id: string }) => f.id === flow.id).activeRuns).toBe(0);
    expect(flows.find((f: { id: string }) => f.id === copy.id).activeRuns).toBe(1);

    // Deleting a flow nobody triggers any more stops its runs; their conversations go to a human.
    expect((await s.client.delete(`/api/automations/triggers/${triggerCopy.id}`)).status).toBe(200);
    expect((await s.client.delete(`/api/automations/flows/${copy.id}`)).status).toBe(200);
    expect((await s.client.get(`/api/automations/flows/${copy.id}`)).status).toBe(404);
    expect(await s.automation(conversationId)).toMatchObject({
      state: 'HUMAN',
      handoffReason: 'The flow was deleted while this conversation was in it',
      flow: null,
    });
    const gone = await s.client.post(`/api/conversations/${conversationId}/hand-back`);
    expect(gone.status).toBe(409);
    expect(gone.body.error.message).toBe('The flow was deleted: there is nothing to resume');
  });
});

describe('flows: runtime through TikTok', () => {
  it('runs every block, sends through the one road, records the shop link, advances once per buyer message, waits durably, closes when the wait window runs out', async () => {
    const s = await setup();
    const flow = await s.createFlow();
    const trigger = await s.createTrigger(flow.id);
    const buyer = tiktokId('u');
    const commentId = await s.comment(buyer);
    // The opening messages are the comment's one private reply.
    expect(fake.dms.filter((d) => d.recipient === commentId)).toEqual([
      expect.objectContaining({ recipientType: 'COMMENT', text: 'Hi! 👋\n\nWhich shade?\n1. Light\n2. Medium' }),
    ]);
    const conversationId = await s.conversationOf(buyer);
    // A retried start (the evaluation run again after a crash) neither restarts the run nor sends again.
    const started = await s.run(conversationId);
    const again = await startFlowRun(env, db, {
      organizationId: s.org,
      conversationId,
      contactId: started.contactId,
      flowId: flow.id,
      triggerId: trigger.id,
      commentId,
      postId: s.videos[0]!.item_id,
    });
    expect(again).toMatchObject({ status: 'STARTED', runId: started.id });
    expect((await s.run(conversationId)).seq).toBe(started.seq);
    expect(fake.dms.filter((d) => d.recipient === commentId)).toHaveLength(1);
    const waiting = await s.automation(conversationId);
    expect(waiting).toMatchObject({
      state: 'WAITING',
      wakeAt: null,
      trigger: { id: trigger.id, name: trigger.name },
      flow: { id: flow.id, name: 'Serum', version: 1 },
      currentBlockId: 'shade',
      ownerId: null,
      fields: {},
    });
    expect(waiting.waitingUntil).toBeGreaterThan(Date.now() + 23 * HOUR);

    // TikTok delivers the answer twice: the run advances once.
    const answer = tiktokId('m');
    await s.dm(buyer, '1', answer);
    await s.dm(buyer, '1', answer);
    const afterShade = await until(async () => {
      const r = await s.run(conversationId);
      return r.currentBlockId === 'size' && r.outbox.length === 0 && r;
    }, 'the run to reach size');
    expect(s.threadDms(buyer)).toEqual(['Here you go:\nhttps://shop.tiktok.com/view/product/p-light', '30 or 50 ml?']);
    // Delivered again directly, concurrently: the compare-and-set and the input id keep it at one advance.
    const [inbound] = await rows<{ id: string }>(
      "SELECT id FROM messages WHERE conversation_id = ? AND direction = 'INBOUND' AND content = '1'",
      conversationId,
    );
    await Promise.all([
      stepRun(env, afterShade.id, { kind: 'reply', text: '1' }, { inputId: inbound!.id }),
      stepRun(env, afterShade.id, { kind: 'reply', text: '1' }, { inputId: inbound!.id }),
    ]);
    expect((await s.run(conversationId)).seq).toBe(afterShade.seq);
    const sent = await rows(
      "SELECT external_id, sender_type FROM messages WHERE conversation_id = ? AND external_id LIKE 'flow:%' ORDER BY seq",
      conversationId,
    );
    expect(sent).toEqual([
      { external_id: `flow:${afterShade.id}:2`, sender_type: 'SYSTEM' },
      { external_id: `flow:${afterShade.id}:3`, sender_type: 'SYSTEM' },
    ]);
    const [link] = await rows('SELECT * FROM automation_shop_links WHERE conversation_id = ?', conversationId);
    expect(link).toMatchObject({
      product_id: 'p-light',
      skus: '["GS-L-30","GS-L-50"]',
      flow_id: flow.id,
      flow_version: 1,
      block_id: 'link',
      run_id: afterShade.id,
      trigger_id: trigger.id,
      comment_id: commentId,
      post_id: s.videos[0]!.item_id,
    });
    expect(
      (
        await rows('SELECT block_id FROM automation_flow_steps WHERE run_id = ? ORDER BY seq, rowid', afterShade.id)
      ).map((r) => r.block_id),
    ).toEqual(['hi', 'shade', 'link', 'size']);

    await s.dm(buyer, '50 ml');
    const timer = await until(async () => {
      const r = await s.run(conversationId);
      return r.status === 'WAITING_TIMER' && r;
    }, 'the Wait block');
    expect(timer.fields).toEqual({ shade: 'Light', size: '50 ml' });
    const wakeAt = timer.wakeAt!.getTime();
    expect(wakeAt).toBeGreaterThan(Date.now() + 9 * 60_000);
    // Asleep in the Wait: BOT, and the view says when the flow goes on.
    expect(await s.automation(conversationId)).toMatchObject({
      state: 'BOT',
      waitingUntil: null,
      wakeAt,
      currentBlockId: 'pause',
    });

    // The cron is the clock: a minute before, nothing; at the time, the flow goes on, from D1 alone (a fresh
    // instance has nothing else).
    await runFlowUpkeep(env, wakeAt - 1000);
    expect(s.threadDms(buyer)).toHaveLength(2);
    await runFlowUpkeep(env, wakeAt + 1000);
    expect(s.threadDms(buyer)).toEqual([
      'Here you go:\nhttps://shop.tiktok.com/view/product/p-light',
      '30 or 50 ml?',
      'Shout if you need anything ✨',
    ]);
    expect((await s.run(conversationId)).status).toBe('DONE');
    const done = await s.automation(conversationId);
    expect(done).toMatchObject({ state: 'WAITING', wakeAt: null, tags: ['serum-lead'], currentBlockId: null });
    expect((await s.client.get('/api/automations/contact-tags')).body.data).toEqual([{ tag: 'serum-lead', count: 1 }]);
    const listed = await s.client.get(`/api/conversations?automationState=WAITING&triggerId=${trigger.id}`);
    expect(listed.body.data.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    expect(listed.body.data.items[0].automation).toMatchObject({
      state: 'WAITING',
      triggerId: trigger.id,
      triggerName: trigger.name,
      tags: ['serum-lead'],
    });

    // The wait window (24 h by default) runs out: CLOSED, and the conversation is resolved.
    await runFlowUpkeep(env, done.waitingUntil - 1000);
    expect((await s.automation(conversationId)).state).toBe('WAITING');
    await runFlowUpkeep(env, done.waitingUntil + 1000);
    expect((await s.automation(conversationId)).state).toBe('CLOSED');
    expect((await s.client.get(`/api/conversations/${conversationId}`)).body.data.status).toBe('CLOSED');
    const handBack = await s.client.post(`/api/conversations/${conversationId}/hand-back`);
    expect(handBack.status).toBe(409);
    expect(handBack.body.error).toMatchObject({
      code: 'CONFLICT',
      message: 'The flow finished: there is no step left to resume',
    });
  });

  it('a Wait in seconds is woken by its delayed queue job; a message TikTok would refuse hands off instead', async () => {
    const s = await setup();
    const flow = await s.createFlow([
      { id: 'name', type: 'QUESTION', text: 'Your name?', field: 'name' },
      { id: 'pause', type: 'WAIT', amount: 1, unit: 'SECONDS' },
      { id: 'thanks', type: 'MESSAGE', text: 'Thanks! 🙏' },
    ]);
    await s.createTrigger(flow.id);
    const buyer = tiktokId('u');
    await s.comment(buyer);
    const conversationId = await s.conversationOf(buyer);
    await s.dm(buyer, 'Mai');
    await until(async () => s.threadDms(buyer).length === 1, 'the message after the Wait', 30_000);
    expect(s.threadDms(buyer)).toEqual(['Thanks! 🙏']);
    expect(await s.run(conversationId)).toMatchObject({ status: 'DONE', fields: { name: 'Mai' } });

    // Before the buyer ever wrote, TikTok takes no message but the comment's one reply: the bot hands off.
    const early = await s.createFlow(
      [
        { id: 'hi', type: 'MESSAGE', text: 'Hi!' },
        { id: 'pause', type: 'WAIT', amount: 1, unit: 'SECONDS' },
        { id: 'later', type: 'MESSAGE', text: 'Still there?' },
      ],
      'Early',
    );
    await s.client.patch(`/api/automations/triggers/${(await s.createTrigger(early.id, 'Early')).id}`, {
      match: { groups: [[{ type: 'KEYWORD', keywords: ['early'] }]] },
    });
    const quiet = tiktokId('u');
    await s.comment(quiet, 'early bird');
    const quietConversation = await s.conversationOf(quiet);
    const human = await until(
      async () => {
        const a = await s.automation(quietConversation);
        return a?.state === 'HUMAN' && a;
      },
      'the refused message handing off',
      30_000,
    );
    expect(human.handoffReason).toMatch(
      /^The bot could not send its message \(Not sent: on TikTok the user must start/,
    );
    expect(s.threadDms(quiet)).toEqual([]);
  });

  it('quick replies with the free-text fallback: a typed answer is captured into the field and the flow goes on, no handoff', async () => {
    const s = await setup();
    const flow = await s.createFlow([
      {
        id: 'shade',
        type: 'QUICK_REPLIES',
        text: 'Which shade?',
        field: 'shade',
        options: [{ label: 'Light' }, { label: 'Medium' }],
        freeTextFallback: true,
      },
      { id: 'size', type: 'QUESTION', text: '30 or 50 ml?', field: 'size' },
    ]);
    await s.createTrigger(flow.id);
    const buyer = tiktokId('u');
    const commentId = await s.comment(buyer);
    expect(fake.dms.filter((d) => d.recipient === commentId).map((d) => d.text)).toEqual([
      'Which shade?\n1. Light\n2. Medium',
    ]);
    const conversationId = await s.conversationOf(buyer);
    await s.dm(buyer, 'something for tan skin');
    const next = await until(async () => {
      const r = await s.run(conversationId);
      return r.currentBlockId === 'size' && r.outbox.length === 0 && r;
    }, 'the run to reach size');
    expect(next).toMatchObject({ status: 'WAITING_REPLY', fields: { shade: 'something for tan skin' } });
    // Not asked again: the next block's question is the one DM in the thread.
    expect(s.threadDms(buyer)).toEqual(['30 or 50 ml?']);
    const view = await s.automation(conversationId);
    expect(view).toMatchObject({
      state: 'WAITING',
      handoffReason: null,
      currentBlockId: 'size',
      fields: { shade: 'something for tan skin' },
    });
    expect(await s.notes(conversationId)).toEqual([]);
    expect((await s.client.get('/api/conversations?unassignedHumans=true')).body.data.items).toEqual([]);
  });

  it('free text twice hands off with a system note; Take it assigns me; Hand back resumes at the quick replies', async () => {
    const s = await setup();
    const flow = await s.createFlow();
    await s.createTrigger(flow.id);
    const buyer = tiktokId('u');
    await s.comment(buyer);
    const conversationId = await s.conversationOf(buyer);
    await s.dm(buyer, 'which one suits tan skin?');
    await until(async () => s.threadDms(buyer).length === 1, 'the quick replies asked again');
    expect(s.threadDms(buyer)).toEqual(['Which shade?\n1. Light\n2. Medium']);
    await s.dm(buyer, 'just tell me please');
    const human = await until(async () => {
      const a = await s.automation(conversationId);
      return a.state === 'HUMAN' && a;
    }, 'the handoff');
    expect(human.handoffReason).toMatch(/answered the quick replies with free text twice/);
    expect((await s.notes(conversationId)).map((n) => n.content)).toEqual([
      `Handed to a human: ${human.handoffReason}`,
    ]);
    expect(s.threadDms(buyer)).toHaveLength(1);
    const unassigned = await s.client.get('/api/conversations?unassignedHumans=true');
    expect(unassigned.body.data.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);

    // Once HUMAN the bot sends nothing, whatever the buyer writes.
    await s.dm(buyer, '1');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(s.threadDms(buyer)).toHaveLength(1);

    const agent = await addMember(s.client, 'AGENT');
    const taken = await agent.client.post(`/api/conversations/${conversationId}/take`);
    expect(taken.status).toBe(200);
    expect(taken.body.data).toMatchObject({
      state: 'HUMAN',
      ownerId: agent.member.userId,
      lastOwnerId: agent.member.userId,
    });
    expect((await s.client.get(`/api/conversations/${conversationId}`)).body.data.assignedToId).toBe(
      agent.member.userId,
    );
    expect((await s.client.get('/api/conversations?unassignedHumans=true')).body.data.items).toEqual([]);

    const back = await agent.client.post(`/api/conversations/${conversationId}/hand-back`);
    expect(back.status).toBe(200);
    expect(back.body.data).toMatchObject({
      state: 'WAITING',
      ownerId: null,
      lastOwnerId: agent.member.userId,
      currentBlockId: 'shade',
      handoffReason: null,
    });
    expect(s.threadDms(buyer)).toEqual(['Which shade?\n1. Light\n2. Medium', 'Which shade?\n1. Light\n2. Medium']);
    await s.dm(buyer, 'Medium');
    await until(async () => (await s.run(conversationId)).currentBlockId === 'size', 'the run to go on');
    expect((await s.run(conversationId)).fields).toEqual({ shade: 'Medium' });
    // A teammate's own shop link is recorded too (flow fields empty).
    await agent.client.post(`/api/conversations/${conversationId}/messages`, {
      conversationId,
      content: 'Or this one: https://www.tiktok.com/view/product/p-medium',
    });
    const agentLink = await until(
      async () =>
        (
          await rows('SELECT * FROM automation_shop_links WHERE conversation_id = ? AND run_id IS NULL', conversationId)
        )[0],
      "the agent's shop link",
    );
    expect(agentLink).toMatchObject({ product_id: 'p-medium', skus: '["GS-M-30"]', flow_id: null, block_id: null });
    // Assign to… (the owner) while the bot has it: HUMAN, and they are the most recent owner.
    await s.client.patch(`/api/conversations/${conversationId}`, { assignedToId: s.user.id });
    const assigned = await until(async () => {
      const a = await s.automation(conversationId);
      return a.state === 'HUMAN' && a.lastOwnerId === s.user.id && a;
    }, 'Assign to… making it HUMAN');
    expect(assigned).toMatchObject({ ownerId: s.user.id, lastOwnerId: s.user.id });
    // Resolved by the team: Closed, the paused run stopped, nothing left to hand back.
    expect((await s.client.patch(`/api/conversations/${conversationId}`, { status: 'CLOSED' })).status).toBe(200);
    await until(async () => (await s.automation(conversationId)).state === 'CLOSED', 'the Closed state');
    expect((await s.run(conversationId)).status).toBe('STOPPED');
    const closed = await s.client.post(`/api/conversations/${conversationId}/hand-back`);
    expect(closed.status).toBe(409);
    expect(closed.body.error.message).toMatch(/^The flow run was stopped/);
  });

  it('sensitive keywords hand off and tag (an English phrase, Thai without spaces, a workspace term that only tags); a DM with no flow goes to a human', async () => {
    const s = await setup();
    const rules = await s.client.put('/api/automations/handoff-rules', {
      useDefaults: true,
      rules: [{ term: 'broken seal', handoff: false, tag: 'qa' }],
    });
    expect(rules.status).toBe(200);
    expect(rules.body.data.rules).toEqual([{ term: 'broken seal', handoff: false, tag: 'qa' }]);
    expect(rules.body.data.defaults).toContainEqual({ locale: 'th', term: 'แพ้', handoff: true, tag: 'allergy' });
    const refused = await s.client.put('/api/automations/handoff-rules', {
      useDefaults: true,
      rules: [{ term: 'x', handoff: false, tag: null }],
    });
    expect(refused.body.error.fields).toEqual({ 'rules.0.handoff': ['A rule hands off, adds a tag, or both'] });

    const flow = await s.createFlow();
    await s.createTrigger(flow.id);
    const buyer = tiktokId('u');
    await s.comment(buyer);
    const conversationId = await s.conversationOf(buyer);
    await s.dm(buyer, 'the box had a Broken Seal');
    await until(async () => (await s.automation(conversationId)).tags.includes('qa'), 'the qa tag');
    expect((await s.automation(conversationId)).state).not.toBe('HUMAN');
    await s.dm(buyer, 'Hey, WHERE is my order??');
    const human = await until(async () => {
      const a = await s.automation(conversationId);
      return a.state === 'HUMAN' && a;
    }, 'the keyword handoff');
    expect(human).toMatchObject({
      handoffReason: 'Sensitive keyword "where is my order" in the buyer\'s message',
      tags: ['qa', 'shipping'],
      currentBlockId: 'shade',
    });
    expect((await s.notes(conversationId)).map((n) => n.content)).toEqual([
      'Handed to a human: Sensitive keyword "where is my order" in the buyer\'s message',
    ]);

    // Another buyer writes in Thai with no flow running: the allergy term tags and hands off.
    const thai = tiktokId('u');
    await s.dm(thai, 'ใช้แล้วแพ้มากค่ะ');
    const thaiConversation = await s.conversationOf(thai);
    const thaiState = await until(async () => {
      const a = await s.automation(thaiConversation);
      return a?.state === 'HUMAN' && a;
    }, 'the Thai handoff');
    expect(thaiState).toMatchObject({
      handoffReason: 'Sensitive keyword "แพ้" in the buyer\'s message',
      tags: ['allergy'],
    });
    const byTag = await s.client.get('/api/conversations?contactTag=allergy');
    expect(byTag.body.data.items.map((c: { id: string }) => c.id)).toEqual([thaiConversation]);

    // A buyer who just writes (no flow, nothing sensitive): HUMAN, the bot does not improvise, and the AI
    // (auto-reply on for this channel) is not asked either.
    await env.DB.prepare("UPDATE channels SET auto_reply = 1 WHERE organization_id = ? AND type = 'TIKTOK'")
      .bind(s.org)
      .run();
    const plain = tiktokId('u');
    await s.dm(plain, 'hello do you ship to Chiang Mai');
    const plainConversation = await s.conversationOf(plain);
    const plainState = await until(async () => {
      const a = await s.automation(plainConversation);
      return a?.state === 'HUMAN' && a;
    }, 'the out-of-flow handoff');
    expect(plainState).toMatchObject({ trigger: null, flow: null, ownerId: null });
    expect(plainState.handoffReason).toMatch(/no flow was running/);
    expect((await s.notes(plainConversation)).map((n) => n.content)).toEqual([
      `Handed to a human: ${plainState.handoffReason}`,
    ]);
    // The AI-reply subscriber, handed the buyer's message, asks for no AI reply while automations hold it.
    const [inbound] = await rows<{ id: string; channel_id: string }>(
      "SELECT m.id, c.channel_id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.conversation_id = ? AND m.direction = 'INBOUND'",
      plainConversation,
    );
    const asked: unknown[] = [];
    const spyEnv = { ...env, JOBS: { send: async (job: unknown) => void asked.push(job) } } as unknown as typeof env;
    const accepted = {
      id: crypto.randomUUID(),
      type: 'message.accepted' as const,
      organizationId: s.org,
      conversationId: plainConversation,
      occurredAt: Date.now(),
      actor: { type: 'CONTACT' as const },
      messageId: inbound!.id,
      channelId: inbound!.channel_id,
      first: true,
    };
    await aiReplySubscriber.run(spyEnv, accepted);
    expect(asked).toEqual([]);
    // (Control: without the automation state the same message would ask for one.)
    await env.DB.prepare('DELETE FROM conversation_automation WHERE conversation_id = ?').bind(plainConversation).run();
    await aiReplySubscriber.run(spyEnv, accepted);
    expect(asked).toEqual([expect.objectContaining({ kind: 'ai.reply', messageId: inbound!.id })]);
    await env.DB.prepare(
      "INSERT INTO conversation_automation (conversation_id, organization_id, state, handoff_reason, updated_at) VALUES (?, ?, 'HUMAN', ?, ?)",
    )
      .bind(plainConversation, s.org, plainState.handoffReason, Date.now())
      .run();
    const noRun = await s.client.post(`/api/conversations/${plainConversation}/hand-back`);
    expect(noRun.status).toBe(409);
    expect(noRun.body.error.message).toMatch(/No flow ran in this conversation/);
    expect((await s.client.get('/api/automations/contact-tags')).body.data).toEqual([
      { tag: 'allergy', count: 1 },
      { tag: 'qa', count: 1 },
      { tag: 'shipping', count: 1 },
    ]);
  });
});

/** A webhook body whose author object also carries TikTok's `username` and `avatar_url`. */
function withAuthorProfile(raw: string, profile: Record<string, unknown>): string {
  const body = JSON.parse(raw);
  const content = JSON.parse(body.content);
  const key = content.user ? 'user' : 'from';
  content[key] = { ...content[key], ...profile };
  return JSON.stringify({ ...body, content: JSON.stringify(content) });
}

describe('inbox cards: the TikTok buyer’s avatar and @handle', () => {
  it('a commenter’s username and https avatar reach their contact and the list item; a DM updates them; an http avatar or a malformed handle is left out', async () => {
    const s = await setup();
    const flow = await s.createFlow([{ id: 'hi', type: 'MESSAGE', text: 'Hi!' }]);
    await s.createTrigger(flow.id);
    const buyer = tiktokId('u');
    const commentId = tiktokId('c');
    fake.comments.set(commentId, buyer);
    const avatar = 'https://p16-sign.tiktokcdn.com/avt/nok.webp?x-expires=1';
    const posted = await postTikTokWebhook(
      withAuthorProfile(
        commentBody(s.openId, { commentId, videoId: s.videos[0]!.item_id, userId: buyer, text: 'price?', name: 'Nok' }),
        { username: 'nok.shop_01', avatar_url: avatar },
      ),
    );
    expect(posted.status).toBe(200);
    await settleComment(s.org, commentId);
    const conversationId = await s.conversationOf(buyer);
    const item = async () =>
      (await s.client.get('/api/conversations')).body.data.items.find((c: { id: string }) => c.id === conversationId);
    const listed = await until(item, 'the conversation in the list');
    expect(listed.contact).toEqual({
      id: listed.contactId,
      name: 'Nok',
      email: null,
      avatarUrl: avatar,
      handle: 'nok.shop_01',
    });
    expect((await s.client.get(`/api/conversations/${conversationId}`)).body.data.contact).toMatchObject({
      avatarUrl: avatar,
      handle: 'nok.shop_01',
    });

    // Their DM brings a new avatar (kept) with a handle that is not one (ignored: the stored one stays).
    const newer = 'https://p16-sign.tiktokcdn.com/avt/nok-2.webp';
    const dm = await postTikTokWebhook(
      withAuthorProfile(
        messageBody(s.openId, { messageId: tiktokId('m'), conversationId: `tc-${buyer}`, userId: buyer, text: 'hi' }),
        { username: 'not a handle!', avatar_url: newer },
      ),
    );
    expect(dm.status).toBe(200);
    const updated = await until(async () => {
      const c = await item();
      return c?.contact.avatarUrl === newer && c;
    }, 'the newer avatar');
    expect(updated.contact).toMatchObject({ avatarUrl: newer, handle: 'nok.shop_01' });

    // A DM-only buyer whose avatar is not https: the handle is stored, the avatar is not.
    const other = tiktokId('u');
    const plain = await postTikTokWebhook(
      withAuthorProfile(
        messageBody(s.openId, {
          messageId: tiktokId('m'),
          conversationId: `tc-${other}`,
          userId: other,
          text: 'hello',
        }),
        { username: '@ploy', avatar_url: 'http://p16.tiktokcdn.com/avt/ploy.webp' },
      ),
    );
    expect(plain.status).toBe(200);
    const otherConversation = await s.conversationOf(other);
    const [contact] = await rows<{ avatar_url: string | null; metadata: string | null }>(
      'SELECT k.avatar_url, k.metadata FROM contacts k JOIN conversations c ON c.contact_id = k.id WHERE c.id = ?',
      otherConversation,
    );
    expect(contact!.avatar_url).toBeNull();
    expect(JSON.parse(contact!.metadata!)).toEqual({ tiktok: { handle: 'ploy' } });
  });
});
