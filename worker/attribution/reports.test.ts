import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { addMember, Client } from '../../test/client';
import { tiktokId, useFakeTikTok } from '../../test/tiktok';
import { DAY_MS, ownerWithShop } from '../../test/tiktok-shop';
import { addDays, localDay, localInstant } from '../analytics/time';
import { createDb } from '../db/client';
import {
  automationComments,
  automationDms,
  automationFlowRuns,
  automationFlowSteps,
  automationFlows,
  automationOrderAttributions,
  automationOrders,
  type FlowRunStatus,
  type OrderAttributionStatus,
} from '../db/schema';

const fake = useFakeTikTok();

const db = createDb(env.DB);
const TZ = 'Asia/Bangkok';

async function addComment(organizationId: string, channelId: string, postId: string, at: number, dm?: string) {
  const commentId = tiktokId('c');
  await db.insert(automationComments).values({
    organizationId,
    commentId,
    channelId,
    postId,
    commenterId: tiktokId('u'),
    text: 'price',
    commentedAt: new Date(at),
    receivedAt: new Date(at),
  });
  if (dm) {
    await db
      .insert(automationDms)
      .values({ organizationId, commentId, triggerId: 't1', dmStatus: dm, claimedAt: new Date(at) });
  }
}

async function addOrder(
  organizationId: string,
  at: number,
  total: [number, string],
  status: OrderAttributionStatus,
  credit: { postId?: string; flowId?: string },
  orderStatus = 'COMPLETED',
) {
  const [o] = await db
    .insert(automationOrders)
    .values({
      organizationId,
      shopOrderId: tiktokId('o'),
      status: orderStatus,
      currency: total[1],
      totalMinor: total[0],
      orderCreatedAt: new Date(at),
      orderUpdatedAt: new Date(at),
      source: 'SYNC',
      receivedAt: new Date(at),
      updatedAt: new Date(at),
    })
    .returning();
  await db.insert(automationOrderAttributions).values({
    orderId: o!.id,
    organizationId,
    status,
    postId: credit.postId ?? null,
    flowId: credit.flowId ?? null,
    attributedAt: new Date(at),
  });
}

async function addRun(
  organizationId: string,
  flowId: string,
  blocks: string[],
  status: FlowRunStatus,
  at: number,
  sent: number,
) {
  const [run] = await db
    .insert(automationFlowRuns)
    .values({
      organizationId,
      conversationId: tiktokId('conv'),
      contactId: tiktokId('ct'),
      flowId,
      flowVersion: 1,
      status,
      sentCount: sent,
      startedAt: new Date(at),
      updatedAt: new Date(at),
    })
    .returning();
  for (const [seq, blockId] of blocks.entries()) {
    await db
      .insert(automationFlowSteps)
      .values({ organizationId, runId: run!.id, flowId, blockId, seq, enteredAt: new Date(at + seq) });
  }
}

describe('Analytics → Posts and → Flows', () => {
  it('per post: comments, DMs triggered, orders and revenue per currency, local days, sortable by revenue', async () => {
    const s = await ownerWithShop(fake);
    const org = s.organizationId;
    expect((await s.client.put('/api/analytics/settings', { timeZone: TZ })).status).toBe(200);
    const today = localDay(TZ, Date.now());
    const dayStart = localInstant(TZ, today);
    const [a, b] = [s.videos[0]!.item_id, s.videos[1]!.item_id];
    const inRange = dayStart + 60_000;
    await addComment(org, s.channelId, a, inRange, 'SENT');
    await addComment(org, s.channelId, a, inRange, 'SENT');
    await addComment(org, s.channelId, a, inRange, 'FAILED');
    await addComment(org, s.channelId, b, inRange);
    // Yesterday evening in Bangkok (still "today" in UTC for part of the day): outside the range.
    await addComment(org, s.channelId, a, dayStart - 60_000, 'SENT');
    await addOrder(org, inRange, [3990, 'USD'], 'ATTRIBUTED', { postId: a });
    await addOrder(org, inRange, [1000, 'USD'], 'CONFIRMED', { postId: a });
    await addOrder(org, inRange, [1500, 'JPY'], 'ATTRIBUTED', { postId: a });
    await addOrder(org, inRange, [500, 'USD'], 'SOFT', { postId: a });
    await addOrder(org, inRange, [700, 'USD'], 'REJECTED', { postId: a });
    await addOrder(org, inRange, [9999, 'USD'], 'ATTRIBUTED', { postId: a }, 'CANCELLED');
    await addOrder(org, inRange, [10000, 'USD'], 'ATTRIBUTED', { postId: b });
    await addOrder(org, dayStart - 60_000, [50000, 'USD'], 'ATTRIBUTED', { postId: b });

    const viewer = await addMember(s.client, 'VIEWER');
    const res = await viewer.client.get(`/api/analytics/posts?from=${today}&to=${today}&sort=revenue`);
    expect(res.status).toBe(200);
    expect(res.body.data.range).toEqual({ from: today, to: today, timeZone: TZ });
    expect(res.body.data.sort).toBe('revenue');
    const posts = res.body.data.posts;
    expect(posts.map((p: any) => p.postId)).toEqual([b, a]);
    expect(posts[1]).toMatchObject({
      postId: a,
      title: 'Video 1',
      comments: 3,
      dmsTriggered: 2,
      ordersAttributed: 3,
      attributedRevenue: [
        { currency: 'JPY', amount: '1500', amountMinor: 1500 },
        { currency: 'USD', amount: '49.90', amountMinor: 4990 },
      ],
      ordersSoft: 1,
      softRevenue: [{ currency: 'USD', amount: '5.00', amountMinor: 500 }],
    });
    expect(posts[0]).toMatchObject({
      comments: 1,
      dmsTriggered: 0,
      ordersAttributed: 1,
      attributedRevenue: [{ currency: 'USD', amount: '100.00', amountMinor: 10000 }],
    });
    const byComments = await s.client.get(`/api/analytics/posts?from=${today}&to=${today}&sort=comments`);
    expect(byComments.body.data.posts.map((p: any) => p.postId)).toEqual([a, b]);
    // Yesterday holds only the evening comment and order.
    const yesterday = await s.client.get(`/api/analytics/posts?from=${addDays(today, -1)}&to=${addDays(today, -1)}`);
    expect(
      yesterday.body.data.posts.map((p: any) => [p.postId, p.comments, p.dmsTriggered, p.ordersAttributed]),
    ).toEqual([
      [b, 0, 0, 1],
      [a, 1, 1, 0],
    ]);
    // Another workspace sees none of it.
    const other = await ownerWithShop(fake);
    expect((await other.client.get('/api/analytics/posts')).body.data.posts).toEqual([]);
  });

  it('per flow: runs, DMs sent, orders, revenue and drop-off per step in the flow order', async () => {
    const s = await ownerWithShop(fake);
    const org = s.organizationId;
    const blocks = [
      { id: 'ask', type: 'QUESTION', text: 'Size?', field: 'size' },
      { id: 'pick', type: 'QUICK_REPLIES', text: 'Colour?', field: 'colour', options: [{ label: 'Red' }] },
      { id: 'shop', type: 'SHOP_LINK', productId: 'P1' },
      { id: 'bye', type: 'MESSAGE', text: 'Thanks' },
    ];
    const [flow] = await db.insert(automationFlows).values({ organizationId: org, name: 'Sizes', blocks }).returning();
    const [idle] = await db
      .insert(automationFlows)
      .values({ organizationId: org, name: 'Idle', blocks: [{ id: 'm', type: 'MESSAGE', text: 'Hi' }] })
      .returning();
    const now = Date.now() - 60_000;
    await addRun(org, flow!.id, ['ask', 'pick', 'shop', 'bye'], 'DONE', now, 4);
    await addRun(org, flow!.id, ['ask', 'pick', 'shop', 'bye'], 'DONE', now, 4);
    await addRun(org, flow!.id, ['ask', 'pick'], 'WAITING_REPLY', now, 2);
    await addRun(org, flow!.id, ['ask'], 'HANDED_OFF', now, 1);
    await addRun(org, flow!.id, ['ask'], 'STOPPED', now - 40 * DAY_MS, 1);
    await addOrder(org, now, [2500, 'USD'], 'ATTRIBUTED', { flowId: flow!.id });
    await addOrder(org, now, [300, 'USD'], 'SOFT', { flowId: flow!.id });

    const res = await s.client.get('/api/analytics/flows?sort=revenue');
    expect(res.status).toBe(200);
    const [first, second] = res.body.data.flows;
    expect(first).toEqual({
      flowId: flow!.id,
      name: 'Sizes',
      deleted: false,
      runs: 4,
      dmsSent: 11,
      ordersAttributed: 1,
      attributedRevenue: [{ currency: 'USD', amount: '25.00', amountMinor: 2500 }],
      ordersSoft: 1,
      softRevenue: [{ currency: 'USD', amount: '3.00', amountMinor: 300 }],
      steps: [
        { blockId: 'ask', type: 'QUESTION', reached: 4, dropOff: 0.25 },
        { blockId: 'pick', type: 'QUICK_REPLIES', reached: 3, dropOff: 0.333 },
        { blockId: 'shop', type: 'SHOP_LINK', reached: 2, dropOff: 0 },
        { blockId: 'bye', type: 'MESSAGE', reached: 2, dropOff: 0 },
      ],
    });
    expect(second).toMatchObject({
      flowId: idle!.id,
      runs: 0,
      ordersAttributed: 0,
      steps: [{ blockId: 'm', reached: 0, dropOff: 0 }],
    });
  });

  it('a deleted flow with orders in the range but no runs is listed as deleted, so revenue adds up', async () => {
    const s = await ownerWithShop(fake);
    const org = s.organizationId;
    const blocks = [{ id: 'shop', type: 'SHOP_LINK', productId: 'P1' }];
    const [kept] = await db.insert(automationFlows).values({ organizationId: org, name: 'Kept', blocks }).returning();
    const [gone] = await db.insert(automationFlows).values({ organizationId: org, name: 'Gone', blocks }).returning();
    const [organicOnly] = await db
      .insert(automationFlows)
      .values({ organizationId: org, name: 'Organic only', blocks })
      .returning();
    const now = Date.now() - 60_000;
    // Gone's run is older than the range; the orders it drove are in it.
    await addRun(org, gone!.id, ['shop'], 'DONE', now - 40 * DAY_MS, 1);
    await addOrder(org, now, [1000, 'USD'], 'ATTRIBUTED', { flowId: kept!.id });
    await addOrder(org, now, [2500, 'USD'], 'ATTRIBUTED', { flowId: gone!.id });
    await addOrder(org, now, [400, 'USD'], 'SOFT', { flowId: gone!.id });
    await addOrder(org, now, [700, 'USD'], 'REJECTED', { flowId: organicOnly!.id });
    for (const flow of [gone!, organicOnly!]) {
      expect((await s.client.delete(`/api/automations/flows/${flow.id}`)).status).toBe(200);
    }

    const flows = (await s.client.get('/api/analytics/flows?sort=revenue')).body.data.flows;
    expect(flows).toEqual([
      {
        flowId: gone!.id,
        name: null,
        deleted: true,
        runs: 0,
        dmsSent: 0,
        ordersAttributed: 1,
        attributedRevenue: [{ currency: 'USD', amount: '25.00', amountMinor: 2500 }],
        ordersSoft: 1,
        softRevenue: [{ currency: 'USD', amount: '4.00', amountMinor: 400 }],
        steps: [],
      },
      expect.objectContaining({ flowId: kept!.id, name: 'Kept', deleted: false, ordersAttributed: 1 }),
    ]);
    // Every counted order credited to a flow is in a row: 10.00 + 25.00.
    const total = flows.reduce((sum: number, f: any) => sum + (f.attributedRevenue[0]?.amountMinor ?? 0), 0);
    expect(total).toBe(3500);
  });

  it('refuses bad ranges with fields; needs a session', async () => {
    const s = await ownerWithShop(fake);
    const bad = await s.client.get('/api/analytics/posts?from=2026-02-30');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.from).toEqual(['from is not a calendar date']);
    const reversed = await s.client.get('/api/analytics/flows?from=2026-03-02&to=2026-03-01');
    expect(reversed.body.error.fields.from).toEqual(['from must be on or before to']);
    const long = await s.client.get('/api/analytics/flows?from=2024-01-01&to=2026-01-01');
    expect(long.body.error.fields.to).toEqual(['A report covers at most 366 days']);
    const sort = await s.client.get('/api/analytics/posts?sort=views');
    expect(Object.keys(sort.body.error.fields)).toEqual(['sort']);
    expect((await new Client().get('/api/analytics/posts')).status).toBe(401);
  });
});
