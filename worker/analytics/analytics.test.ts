import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { addMember, ownerWithWebsiteChat } from '../../test/client';
import { insertConversation } from '../../test/d1';
import { postOutbound, receiveInbound } from '../conversations/pipeline';
import { createDb } from '../db/client';
import { fanOut } from '../events/fan-out';
import type { DomainEvent, EventActor } from '../events/types';
import { deriveCycles } from './cycles';
import { analyticsSubscriber } from './subscriber';

type Chat = Awaited<ReturnType<typeof ownerWithWebsiteChat>>;
const db = createDb(env.DB);
const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);

/** A conversation row (and its contact) written straight to D1: the events below tell its whole story. */
const conversation = (chat: Chat, language = 'en') => insertConversation(chat, language);

async function message(
  chat: Chat,
  conversationId: string,
  senderType: 'CONTACT' | 'AGENT' | 'AI' | 'SYSTEM',
  language: string | null = null,
) {
  const id = crypto.randomUUID();
  const seq = Math.floor(Math.random() * 1e9);
  await env.DB.prepare(
    `INSERT INTO messages (id, organization_id, conversation_id, seq, direction, sender_type, content, language, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'text', ?, ?, ?)`,
  )
    .bind(
      id,
      chat.organizationId,
      conversationId,
      seq,
      senderType === 'CONTACT' ? 'INBOUND' : 'OUTBOUND',
      senderType,
      language,
      Date.now(),
      Date.now(),
    )
    .run();
  return id;
}

/** Builds domain events of one conversation and delivers them through the real fan-out. */
function story(chat: Chat, conversationId: string) {
  const events: DomainEvent[] = [];
  const base = (iso: string, actor: EventActor) => ({
    id: crypto.randomUUID(),
    organizationId: chat.organizationId,
    conversationId,
    occurredAt: at(iso),
    actor,
  });
  const agent: EventActor = { type: 'USER', id: chat.user.id };
  const ref = (messageId: string) => ({ messageId, channelId: chat.channelId });
  const s = {
    events,
    opened(iso: string) {
      events.push({
        ...base(iso, { type: 'CONTACT' }),
        type: 'conversation.opened',
        channelId: chat.channelId,
        contactId: 'c',
      });
      return s;
    },
    async customer(iso: string, language: string | null = 'en') {
      const id = await message(chat, conversationId, 'CONTACT', language);
      events.push({ ...base(iso, { type: 'CONTACT' }), type: 'message.accepted', ...ref(id), first: false });
      return s;
    },
    async posted(
      iso: string,
      senderType: 'AGENT' | 'AI' | 'SYSTEM',
      options: { isNote?: boolean; approvalStatus?: 'NONE' | 'PENDING'; by?: EventActor } = {},
    ) {
      const id = await message(chat, conversationId, senderType);
      events.push({
        ...base(iso, options.by ?? (senderType === 'AGENT' ? agent : { type: senderType })),
        type: 'message.posted',
        ...ref(id),
        senderType,
        isNote: options.isNote ?? false,
        approvalStatus: options.approvalStatus ?? 'NONE',
        awaitingTranslation: false,
      });
      return id;
    },
    decide(iso: string, messageId: string, type: 'message.approved' | 'message.rejected', edited = false) {
      events.push(
        type === 'message.approved'
          ? { ...base(iso, agent), type, ...ref(messageId), senderType: 'AI', edited }
          : { ...base(iso, agent), type, ...ref(messageId), senderType: 'AI' },
      );
      return s;
    },
    status(iso: string, from: string, to: string) {
      events.push({ ...base(iso, agent), type: 'conversation.status_changed', channelId: chat.channelId, from, to });
      return s;
    },
    async deliver() {
      for (const event of events) await fanOut(env, db, [analyticsSubscriber], event);
      return s;
    },
  };
  return s;
}

const report = async (chat: Chat, name: string, query: Record<string, string>) => {
  const res = await chat.client.get(`/api/analytics/${name}?${new URLSearchParams(query)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
};

describe('first response time', () => {
  it('runs from the customer’s message to the agent’s reply: an automated acknowledgement and a note do not count', async () => {
    const chat = await ownerWithWebsiteChat();
    const c = await conversation(chat);
    const s = story(chat, c).opened('2026-03-02T09:00:00Z');
    await s.customer('2026-03-02T09:00:00Z');
    await s.posted('2026-03-02T09:01:00Z', 'SYSTEM');
    await s.posted('2026-03-02T09:05:00Z', 'AGENT', { isNote: true });
    await s.posted('2026-03-02T09:10:00Z', 'AGENT');
    await s.deliver();
    const data = await report(chat, 'overview', { from: '2026-03-02', to: '2026-03-02' });
    expect(data.current.firstResponse).toEqual({ count: 1, meanMs: 10 * MIN, medianMs: 10 * MIN, p90Ms: 10 * MIN });
    expect(data.current.replies).toBe(1);
  });

  it('of a conversation reopened after 5 days runs from the reopening, not from the first message', async () => {
    const chat = await ownerWithWebsiteChat();
    const c = await conversation(chat);
    const s = story(chat, c).opened('2026-03-02T09:00:00Z');
    await s.customer('2026-03-02T09:00:00Z');
    await s.posted('2026-03-02T09:03:00Z', 'AGENT');
    s.status('2026-03-02T10:00:00Z', 'OPEN', 'CLOSED').status('2026-03-07T10:00:00Z', 'CLOSED', 'OPEN');
    await s.posted('2026-03-07T10:10:00Z', 'AGENT');
    await s.deliver();
    const reopenDay = await report(chat, 'overview', { from: '2026-03-07', to: '2026-03-07' });
    expect(reopenDay.current.reopened).toBe(1);
    expect(reopenDay.current.firstResponse).toMatchObject({ count: 1, medianMs: 10 * MIN, p90Ms: 10 * MIN });
    const week = await report(chat, 'overview', { from: '2026-03-01', to: '2026-03-07' });
    expect(week.current.firstResponse).toMatchObject({ count: 2, meanMs: 6.5 * MIN, p90Ms: 10 * MIN });
  });

  it('can be counted in business hours only', async () => {
    const chat = await ownerWithWebsiteChat();
    const hours = [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00' }));
    const put = await chat.client.put('/api/analytics/settings', { timeZone: 'UTC', businessHours: hours });
    expect(put.status).toBe(200);
    const c = await conversation(chat);
    // Friday 16:30 → Monday 09:15: 30 + 15 business minutes.
    const s = story(chat, c).opened('2026-03-06T16:30:00Z');
    await s.customer('2026-03-06T16:30:00Z');
    await s.posted('2026-03-09T09:15:00Z', 'AGENT');
    await s.deliver();
    const data = await report(chat, 'overview', { from: '2026-03-09', to: '2026-03-09', businessTime: 'true' });
    expect(data.current.firstResponse.medianMs).toBe(45 * MIN);
    const wall = await report(chat, 'overview', { from: '2026-03-09', to: '2026-03-09' });
    expect(wall.current.firstResponse.medianMs).toBe((2 * 24 * 60 + 16 * 60 + 45) * MIN);
  });
});

describe('resolutions', () => {
  it('resolve → reopen → resolve is 2 resolutions in every report', async () => {
    const chat = await ownerWithWebsiteChat();
    const c = await conversation(chat);
    const s = story(chat, c).opened('2026-03-02T09:00:00Z');
    await s.customer('2026-03-02T09:00:00Z');
    await s.posted('2026-03-02T09:02:00Z', 'AGENT');
    s.status('2026-03-02T09:30:00Z', 'OPEN', 'CLOSED')
      .status('2026-03-03T09:00:00Z', 'CLOSED', 'OPEN')
      .status('2026-03-03T09:30:00Z', 'OPEN', 'CLOSED')
      .status('2026-03-03T10:00:00Z', 'CLOSED', 'ARCHIVED');
    await s.deliver();
    const q = { from: '2026-03-01', to: '2026-03-05' };
    const overview = await report(chat, 'overview', q);
    const conversations = await report(chat, 'conversations', q);
    const agents = await report(chat, 'agents', q);
    expect(overview.current.resolutions).toBe(2);
    expect(overview.current.backlog).toBe(0);
    expect(conversations.totals.resolutions).toBe(2);
    expect(conversations.days.map((d: { resolutions: number }) => d.resolutions)).toEqual([0, 1, 1, 0, 0]);
    expect(conversations.days.map((d: { backlog: number }) => d.backlog)).toEqual([0, 0, 0, 0, 0]);
    expect(agents.agents).toEqual([
      expect.objectContaining({ agentId: chat.user.id, name: 'Olivia Owner', resolutions: 2, replies: 1 }),
    ]);
    const csv = await chat.client.get(`/api/analytics/export/overview?${new URLSearchParams(q)}`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(String(csv.body)).toContain('Resolutions,2,0\r\n');
  });

  it('a redelivered event counts once, whether or not the fan-out remembers running it', async () => {
    const chat = await ownerWithWebsiteChat();
    const c = await conversation(chat);
    const s = story(chat, c).opened('2026-03-02T09:00:00Z').status('2026-03-02T10:00:00Z', 'OPEN', 'CLOSED');
    await s.deliver();
    await s.deliver(); // the fan-out finds the runs DONE
    for (const event of s.events) await analyticsSubscriber.run(env, event); // a run taken over after a lease
    const data = await report(chat, 'overview', { from: '2026-03-02', to: '2026-03-02' });
    expect(data.current.newConversations).toBe(1);
    expect(data.current.resolutions).toBe(1);
  });
  it('are rebuilt from the reporting events alone with the same figures', async () => {
    const chat = await ownerWithWebsiteChat();
    const s = story(chat, await conversation(chat)).opened('2026-03-02T09:00:00Z');
    await s.customer('2026-03-02T09:00:00Z');
    await s.posted('2026-03-02T09:04:00Z', 'AGENT');
    s.status('2026-03-02T09:30:00Z', 'OPEN', 'CLOSED').status('2026-03-03T09:00:00Z', 'CLOSED', 'OPEN');
    await s.deliver();
    const q = { from: '2026-03-01', to: '2026-03-05' };
    const before = await report(chat, 'overview', q);
    expect(before.current).toMatchObject({ resolutions: 1, reopened: 1, backlog: 1 });
    await env.DB.batch([
      env.DB.prepare('DELETE FROM analytics_cycles WHERE organization_id = ?').bind(chat.organizationId),
      env.DB.prepare('DELETE FROM analytics_daily WHERE organization_id = ?').bind(chat.organizationId),
    ]);
    const rebuilt = await chat.client.post('/api/analytics/rebuild');
    expect(rebuilt.body.data).toEqual({ pending: { conversations: 0, days: 0 } });
    expect((await report(chat, 'overview', q)).current).toEqual(before.current);
  });
});

describe('local days', () => {
  it('an event at 23:30 UTC lands on the next local day in Ljubljana', async () => {
    const chat = await ownerWithWebsiteChat();
    const c = await conversation(chat);
    const s = story(chat, c).opened('2026-03-10T23:30:00Z');
    await s.customer('2026-03-10T23:30:00Z', 'sl');
    await s.deliver();
    const utc = await report(chat, 'conversations', { from: '2026-03-10', to: '2026-03-11' });
    expect(utc.days.map((d: { newConversations: number }) => d.newConversations)).toEqual([1, 0]);
    expect(utc.heatmap).toEqual([{ weekday: 2, hour: 23, messages: 1 }]);

    const put = await chat.client.put('/api/analytics/settings', { timeZone: 'Europe/Ljubljana' });
    expect(put.body.data.timeZone).toBe('Europe/Ljubljana');
    const local = await report(chat, 'conversations', { from: '2026-03-10', to: '2026-03-11' });
    expect(local.range.timeZone).toBe('Europe/Ljubljana');
    expect(local.days.map((d: { newConversations: number }) => d.newConversations)).toEqual([0, 1]);
    expect(local.heatmap).toEqual([{ weekday: 3, hour: 0, messages: 1 }]);
    expect(local.languages).toEqual([{ language: 'sl', messages: 1 }]);
    const exported = async (name: string) =>
      String((await chat.client.get(`/api/analytics/export/${name}?from=2026-03-10&to=2026-03-11`)).body).split('\r\n');
    expect(await exported('languages')).toEqual(['language,customer_messages', 'sl,1', '']);
    const hours = await exported('hours');
    expect(hours[0]).toBe('weekday,hour,customer_messages');
    expect(hours.filter((row) => row && !row.endsWith(',0'))).toEqual(['weekday,hour,customer_messages', '3,0,1']);
    expect(hours.length).toBe(1 + 7 * 24 + 1);
  });
});

describe('per channel and per agent, against the previous period', () => {
  it('gives every channel’s and agent’s figures beside the previous period’s, on the organisation’s local days', async () => {
    const chat = await ownerWithWebsiteChat();
    expect((await chat.client.put('/api/analytics/settings', { timeZone: 'Europe/Ljubljana' })).status).toBe(200);
    const emailId = crypto.randomUUID();
    await env.DB.prepare(
      `INSERT INTO channels (id, organization_id, type, name, default_language, auto_translate, credentials_encrypted,
         settings, auto_reply, auto_approve, auto_enhance, is_active, created_at, updated_at)
       VALUES (?, ?, 'EMAIL', 'Support email', 'en', 0, 'none', '{}', 0, 0, 0, 1, ?, ?)`,
    )
      .bind(emailId, chat.organizationId, Date.now(), Date.now())
      .run();
    const email = { ...chat, channelId: emailId };
    const second = await addMember(chat.client, 'AGENT');
    const agent2: EventActor = { type: 'USER', id: second.member.userId };

    // Previous period (9–10 March, Ljubljana). P1, chat: the owner answers in 20 min, an edited AI draft is
    // approved, the owner resolves it after an hour.
    const p1 = story(chat, await conversation(chat)).opened('2026-03-09T10:00:00Z');
    await p1.customer('2026-03-09T10:00:00Z');
    await p1.posted('2026-03-09T10:20:00Z', 'AGENT');
    const p1Draft = await p1.posted('2026-03-09T10:30:00Z', 'AI', { approvalStatus: 'PENDING' });
    p1.decide('2026-03-09T10:40:00Z', p1Draft, 'message.approved', true).status(
      '2026-03-09T11:00:00Z',
      'OPEN',
      'CLOSED',
    );
    // P2, email: the second agent answers in 30 min; nothing on email in the current period.
    const p2 = story(email, await conversation(email)).opened('2026-03-10T12:00:00Z');
    await p2.customer('2026-03-10T12:00:00Z');
    await p2.posted('2026-03-10T12:30:00Z', 'AGENT', { by: agent2 });
    // Current period (11–12 March). C1, chat, at 23:30 UTC on the 10th: 00:30 on the 11th in Ljubljana. The owner
    // answers in 5 min and resolves it at 09:00 UTC (9.5 h).
    const c1 = story(chat, await conversation(chat)).opened('2026-03-10T23:30:00Z');
    await c1.customer('2026-03-10T23:30:00Z');
    await c1.posted('2026-03-10T23:35:00Z', 'AGENT');
    c1.status('2026-03-11T09:00:00Z', 'OPEN', 'CLOSED');
    // C2, chat: the owner answers in 15 min, then approves an AI draft as written; it stays open.
    const c2 = story(chat, await conversation(chat)).opened('2026-03-12T08:00:00Z');
    await c2.customer('2026-03-12T08:00:00Z');
    await c2.posted('2026-03-12T08:15:00Z', 'AGENT');
    const c2Draft = await c2.posted('2026-03-12T08:20:00Z', 'AI', { approvalStatus: 'PENDING' });
    c2.decide('2026-03-12T08:25:00Z', c2Draft, 'message.approved');
    for (const s of [p1, p2, c1, c2]) await s.deliver();

    const q = { from: '2026-03-11', to: '2026-03-12' };
    const conversations = await report(chat, 'conversations', q);
    expect(conversations.previousRange).toEqual({ from: '2026-03-09', to: '2026-03-10' });
    const stats = (count: number, meanMs: number | null, medianMs: number | null, p90Ms: number | null) => ({
      count,
      meanMs,
      medianMs,
      p90Ms,
    });
    const none = stats(0, null, null, null);
    expect(conversations.channels).toEqual([
      {
        channelId: chat.channelId,
        name: 'Website',
        type: 'WEBSITE_CHAT',
        newConversations: 2,
        previousNewConversations: 1,
        resolutions: 1,
        previousResolutions: 1,
        customerMessages: 2,
        previousCustomerMessages: 1,
        replies: 3,
        previousReplies: 2,
        firstResponse: stats(2, 10 * MIN, 5 * MIN, 15 * MIN),
        previousFirstResponse: stats(1, 20 * MIN, 20 * MIN, 20 * MIN),
      },
      {
        channelId: emailId,
        name: 'Support email',
        type: 'EMAIL',
        newConversations: 0,
        previousNewConversations: 1,
        resolutions: 0,
        previousResolutions: 0,
        customerMessages: 0,
        previousCustomerMessages: 1,
        replies: 0,
        previousReplies: 1,
        firstResponse: none,
        previousFirstResponse: stats(1, 30 * MIN, 30 * MIN, 30 * MIN),
      },
    ]);

    const agents = await report(chat, 'agents', q);
    expect(agents.agents).toEqual([
      expect.objectContaining({
        agentId: chat.user.id,
        replies: 2,
        previousReplies: 1,
        resolutions: 1,
        previousResolutions: 1,
        draftsApproved: 1,
        previousDraftsApproved: 1,
        draftsEdited: 0,
        previousDraftsEdited: 1,
        draftsRejected: 0,
        previousDraftsRejected: 0,
        firstResponse: stats(2, 10 * MIN, 5 * MIN, 15 * MIN),
        previousFirstResponse: stats(1, 20 * MIN, 20 * MIN, 20 * MIN),
        resolutionTime: stats(1, 570 * MIN, 570 * MIN, 570 * MIN),
        previousResolutionTime: stats(1, 60 * MIN, 60 * MIN, 60 * MIN),
      }),
      // Active only before: listed so the drop shows.
      expect.objectContaining({
        agentId: second.member.userId,
        name: 'AGENT Member',
        replies: 0,
        previousReplies: 1,
        firstResponse: none,
        previousFirstResponse: stats(1, 30 * MIN, 30 * MIN, 30 * MIN),
      }),
    ]);

    const csv = async (name: string) => {
      const res = await chat.client.get(`/api/analytics/export/${name}?${new URLSearchParams(q)}`);
      expect(res.status).toBe(200);
      const [head, ...rows] = String(res.body).trim().split('\r\n');
      const columns = head!.split(',');
      return rows.map((row) => Object.fromEntries(row.split(',').map((v, i) => [columns[i], v])));
    };
    const [chatRow, emailRow] = await csv('channels');
    expect(chatRow).toMatchObject({
      channel_id: chat.channelId,
      new_conversations: '2',
      previous_new_conversations: '1',
      replies: '3',
      previous_replies: '2',
      first_response_median_s: '300',
      previous_first_response_median_s: '1200',
    });
    expect(emailRow).toMatchObject({ channel_id: emailId, new_conversations: '0', previous_new_conversations: '1' });
    const [ownerRow] = await csv('agents');
    expect(ownerRow).toMatchObject({
      agent_id: chat.user.id,
      replies: '2',
      previous_replies: '1',
      previous_drafts_edited: '1',
      first_response_p90_s: '900',
      previous_first_response_p90_s: '1200',
      resolution_time_median_s: '34200',
      previous_resolution_time_median_s: '3600',
    });

    // In UTC the conversation opened at 23:30 on the 10th belongs to the previous period.
    expect((await chat.client.put('/api/analytics/settings', { timeZone: 'UTC' })).status).toBe(200);
    const [utcChat] = (await report(chat, 'conversations', q)).channels;
    expect(utcChat).toMatchObject({
      channelId: chat.channelId,
      newConversations: 1,
      previousNewConversations: 2,
      firstResponse: stats(1, 15 * MIN, 15 * MIN, 15 * MIN),
      previousFirstResponse: stats(2, 12.5 * MIN, 5 * MIN, 20 * MIN),
    });
  });
});

describe('AI', () => {
  it('resolution rate: conversations the AI was involved in that were resolved without a human reply', async () => {
    const chat = await ownerWithWebsiteChat();
    const day = '2026-03-04';
    // A: the AI answers on its own and the conversation is resolved → counts.
    const a = story(chat, await conversation(chat)).opened(`${day}T08:00:00Z`);
    await a.customer(`${day}T08:00:00Z`);
    await a.posted(`${day}T08:00:05Z`, 'AI');
    a.status(`${day}T09:00:00Z`, 'OPEN', 'CLOSED');
    // B: an approved AI draft, then an agent writes too → involved, not alone.
    const b = story(chat, await conversation(chat)).opened(`${day}T08:00:00Z`);
    await b.customer(`${day}T08:00:00Z`);
    const draft = await b.posted(`${day}T08:00:10Z`, 'AI', { approvalStatus: 'PENDING' });
    b.decide(`${day}T08:02:00Z`, draft, 'message.approved');
    await b.posted(`${day}T08:05:00Z`, 'AGENT');
    b.status(`${day}T09:00:00Z`, 'OPEN', 'CLOSED');
    // C: the AI answers, the conversation stays open → involved, not resolved.
    const c = story(chat, await conversation(chat)).opened(`${day}T08:00:00Z`);
    await c.customer(`${day}T08:00:00Z`);
    await c.posted(`${day}T08:00:05Z`, 'AI');
    // D: a rejected draft, the agent answers and resolves → involved (a draft), not alone.
    const d = story(chat, await conversation(chat)).opened(`${day}T08:00:00Z`);
    await d.customer(`${day}T08:00:00Z`);
    const rejected = await d.posted(`${day}T08:00:10Z`, 'AI', { approvalStatus: 'PENDING' });
    d.decide(`${day}T08:01:00Z`, rejected, 'message.rejected');
    await d.posted(`${day}T08:03:00Z`, 'AGENT');
    d.status(`${day}T09:00:00Z`, 'OPEN', 'CLOSED');
    // E: no AI at all → not in the rate.
    const e = story(chat, await conversation(chat)).opened(`${day}T08:00:00Z`);
    await e.customer(`${day}T08:00:00Z`);
    await e.posted(`${day}T08:04:00Z`, 'AGENT');
    e.status(`${day}T09:00:00Z`, 'OPEN', 'CLOSED');
    for (const s of [a, b, c, d, e]) await s.deliver();

    const data = await report(chat, 'ai', { from: day, to: day });
    expect(data.current).toMatchObject({
      conversations: 5,
      aiInvolved: 4,
      aiAnswered: 3,
      aiResolvedAlone: 1,
      aiResolutionRate: 0.25,
      aiAnsweredShare: 0.6,
      aiReplies: 3,
      firstResponsesByAi: 3,
      drafts: { created: 2, approved: 1, rejected: 1 },
    });
    // Who answered first: the AI in 8 s, 2 min (approval), 5 s; agents in 3 and 4 min.
    const overview = await report(chat, 'overview', { from: day, to: day });
    expect(overview.current.firstResponse).toMatchObject({ count: 5, medianMs: 2 * MIN, p90Ms: 4 * MIN });
  });
});

describe('AI drafts', () => {
  it('counts approved, edited and rejected drafts once each, in the reports, the CSV and after a rebuild', async () => {
    const chat = await ownerWithWebsiteChat();
    const day = '2026-03-05';
    const s = story(chat, await conversation(chat)).opened(`${day}T08:00:00Z`);
    await s.customer(`${day}T08:00:00Z`);
    const plain = await s.posted(`${day}T08:00:10Z`, 'AI', { approvalStatus: 'PENDING' });
    const edited = await s.posted(`${day}T08:00:20Z`, 'AI', { approvalStatus: 'PENDING' });
    const rejected = await s.posted(`${day}T08:00:30Z`, 'AI', { approvalStatus: 'PENDING' });
    s.decide(`${day}T08:01:00Z`, plain, 'message.approved');
    s.decide(`${day}T08:02:00Z`, edited, 'message.approved', true);
    s.decide(`${day}T08:03:00Z`, rejected, 'message.rejected');
    await s.deliver();
    // The edited approval is delivered again (a queue retry after its run was recorded): still counted once.
    const editedApproval = s.events.find((e) => e.type === 'message.approved' && e.edited)!;
    await env.DB.prepare("DELETE FROM event_runs WHERE event_id = ? AND subscriber = 'analytics'")
      .bind(editedApproval.id)
      .run();
    await fanOut(env, db, [analyticsSubscriber], editedApproval);
    const kinds = await env.DB.prepare(
      'SELECT kind, COUNT(*) AS n FROM analytics_events WHERE organization_id = ? AND kind LIKE ? GROUP BY kind ORDER BY kind',
    )
      .bind(chat.organizationId, 'AI_DRAFT%')
      .all();
    expect(kinds.results).toEqual([
      { kind: 'AI_DRAFT', n: 3 },
      { kind: 'AI_DRAFT_APPROVED', n: 1 },
      { kind: 'AI_DRAFT_EDITED', n: 1 },
      { kind: 'AI_DRAFT_REJECTED', n: 1 },
    ]);

    // "Approved" counts every approved draft; "edited" the approved ones an agent changed first.
    const expected = { created: 3, approved: 2, edited: 1, rejected: 1 };
    const query = { from: day, to: day };
    expect((await report(chat, 'ai', query)).current.drafts).toEqual(expected);
    expect((await report(chat, 'ai', { ...query, agentId: chat.user.id })).current.drafts).toEqual(expected);
    const [agent] = (await report(chat, 'agents', query)).agents;
    expect(agent).toMatchObject({ agentId: chat.user.id, draftsApproved: 2, draftsEdited: 1, draftsRejected: 1 });
    // Both approvals reached the customer: two AI replies, the first of them the first response (1 min).
    expect((await report(chat, 'overview', query)).current).toMatchObject({
      replies: 2,
      firstResponse: { count: 1, medianMs: MIN },
    });

    const csv = String((await chat.client.get(`/api/analytics/export/ai?from=${day}&to=${day}`)).body).split('\r\n');
    expect(csv).toContain('Drafts approved (edited included),2,0');
    expect(csv).toContain('Drafts edited before approval,1,0');
    expect(csv).toContain('Drafts rejected,1,0');
    const agentsCsv = String((await chat.client.get(`/api/analytics/export/agents?from=${day}&to=${day}`)).body);
    const [head, row] = agentsCsv.split('\r\n');
    const cell = (name: string) => row!.split(',')[head!.split(',').indexOf(name)];
    expect([cell('drafts_approved'), cell('drafts_edited'), cell('drafts_rejected')]).toEqual(['2', '1', '1']);

    // Rebuilt from the reporting events alone, the figures are the same.
    await env.DB.prepare('DELETE FROM analytics_daily WHERE organization_id = ?').bind(chat.organizationId).run();
    const rebuild = await chat.client.post('/api/analytics/rebuild', {});
    expect(rebuild.status).toBe(200);
    expect((await report(chat, 'ai', query)).current.drafts).toEqual(expected);
  });
});

describe('AI drafts through the API', () => {
  it('an agent approving a draft with an edit counts as approved and edited; the draft approved as written, as approved', async () => {
    const chat = await ownerWithWebsiteChat();
    const { conversation } = await receiveInbound(env, {
      organizationId: chat.organizationId,
      channelId: chat.channelId,
      externalContactId: `v-${crypto.randomUUID()}`,
      content: 'Where is my parcel?',
    });
    const draft = (content: string) =>
      postOutbound(env, {
        organizationId: chat.organizationId,
        conversationId: conversation.id,
        senderType: 'AI',
        content,
        approvalStatus: 'PENDING',
      });
    // One at a time: approving a draft rejects the older ones still waiting.
    const asWritten = await draft('It left our warehouse yesterday.');
    expect((await chat.client.post(`/api/messages/${asWritten.id}/approve`, {})).status).toBe(200);
    const toEdit = await draft('It should arrive soon.');
    const edit = { content: 'It arrives tomorrow before noon.' };
    expect((await chat.client.post(`/api/messages/${toEdit.id}/approve`, edit)).status).toBe(200);
    const toReject = await draft('Please wait.');
    expect((await chat.client.post(`/api/messages/${toReject.id}/reject`, {})).status).toBe(200);

    // Yesterday and today (UTC, the organisation's zone): the test may run across midnight.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await vi.waitFor(
      async () => {
        const data = await report(chat, 'ai', { from: day(-1), to: day(0) });
        expect(data.current.drafts).toEqual({ created: 3, approved: 2, edited: 1, rejected: 1 });
      },
      { timeout: 15_000, interval: 200 },
    );
  });
});

describe('cycles', () => {
  it('are the same whatever order the events arrive in', () => {
    const e = (id: string, kind: Parameters<typeof deriveCycles>[0][number]['kind'], iso: string) => ({
      id,
      kind,
      channelId: 'ch',
      agentId: kind === 'AGENT_REPLY' || kind === 'RESOLVED' ? 'u1' : null,
      occurredAt: at(iso),
    });
    const events = [
      e('1', 'OPENED', '2026-03-02T09:00:00Z'),
      e('2', 'CUSTOMER_MESSAGE', '2026-03-02T09:00:00Z'),
      e('3', 'AUTO_ACK', '2026-03-02T09:01:00Z'),
      e('4', 'AGENT_REPLY', '2026-03-02T09:10:00Z'),
      e('5', 'RESOLVED', '2026-03-02T10:00:00Z'),
      e('6', 'AGENT_REPLY', '2026-03-03T10:00:00Z'),
      e('7', 'REOPENED', '2026-03-07T10:00:00Z'),
      e('8', 'AGENT_REPLY', '2026-03-07T10:10:00Z'),
    ];
    const calendar = { timeZone: 'UTC', businessHours: null };
    const inOrder = deriveCycles(events, calendar);
    expect(deriveCycles([...events].reverse(), calendar)).toEqual(inOrder);
    expect(inOrder.map((c) => [c.kind, c.frtMs, c.replies, c.resolutionMs])).toEqual([
      ['NEW', 10 * MIN, 1, 60 * MIN],
      ['REOPEN', 10 * MIN, 1, null],
    ]);
  });
});

describe('/api/analytics', () => {
  it('viewers read every report and export it; only admins change the calendar', async () => {
    const chat = await ownerWithWebsiteChat();
    const viewer = await addMember(chat.client, 'VIEWER');
    for (const name of ['overview', 'conversations', 'agents', 'ai']) {
      const res = await viewer.client.get(`/api/analytics/${name}?from=2026-03-01&to=2026-03-31`);
      expect(res.status).toBe(200);
      expect(res.body.data.range).toEqual({ from: '2026-03-01', to: '2026-03-31', timeZone: 'UTC' });
      expect(res.body.data.previousRange).toEqual({ from: '2026-01-29', to: '2026-02-28' });
    }
    const rows = await viewer.client.get('/api/analytics/export/conversation-rows?from=2026-03-01&to=2026-03-31');
    expect(rows.status).toBe(200);
    expect(String(rows.body).split('\r\n')[0]).toMatch(/^conversation_id,cycle,kind,channel_id,/);
    const put = await viewer.client.put('/api/analytics/settings', { timeZone: 'Europe/Ljubljana' });
    expect(put.status).toBe(403);
    expect((await viewer.client.get('/api/analytics/settings')).body.data).toEqual({
      timeZone: 'UTC',
      businessHours: null,
    });
  });

  it('refuses a per-conversation export longer than 50,000 rows instead of cutting it short', async () => {
    const chat = await ownerWithWebsiteChat();
    const start = at('2026-03-02T00:00:00Z');
    const insert = (n: number) =>
      env.DB.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         INSERT INTO analytics_cycles (organization_id, conversation_id, cycle, channel_id, kind, started_at)
         SELECT ?, 'cv-' || i || '-' || ?, 1, ?, 'NEW', ? + i FROM n`,
      )
        .bind(n, chat.organizationId, n, chat.channelId, start)
        .run();
    await insert(50_000);
    const path = '/api/analytics/export/conversation-rows?from=2026-03-02&to=2026-03-02';
    const full = await chat.client.get(path);
    expect(full.status).toBe(200);
    expect(String(full.body).trim().split('\r\n')).toHaveLength(1 + 50_000);
    await insert(1);
    const over = await chat.client.get(path);
    expect(over.status).toBe(400);
    expect(over.body.error.fields).toEqual({
      from: ['More than 50,000 conversations started in this range: export a shorter range'],
    });
  });

  it('refuses bad input with the field named and changes nothing', async () => {
    const chat = await ownerWithWebsiteChat();
    const cases: [string, string][] = [
      ['/api/analytics/overview?from=2026-03-10&to=2026-03-01', 'from'],
      ['/api/analytics/overview?from=2026-02-30', 'from'],
      ['/api/analytics/agents?from=2025-01-01&to=2026-03-01', 'to'],
      [`/api/analytics/ai?channelId=${'x'.repeat(101)}`, 'channelId'],
      ['/api/analytics/overview?businessTime=true', 'businessTime'],
    ];
    for (const [path, field] of cases) {
      const res = await chat.client.get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(Object.keys(res.body.error.fields), path).toEqual([field]);
    }
    const badZone = await chat.client.put('/api/analytics/settings', { timeZone: 'Mars/Olympus' });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.fields.timeZone).toEqual([
      'Unknown time zone (use an IANA name such as Europe/Ljubljana)',
    ]);
    const badHours = await chat.client.put('/api/analytics/settings', {
      businessHours: [{ day: 1, start: '17:00', end: '09:00' }],
    });
    expect(badHours.body.error.fields).toEqual({ 'businessHours.0.end': ['end must be after start'] });
    expect((await chat.client.get('/api/analytics/settings')).body.data).toEqual({
      timeZone: 'UTC',
      businessHours: null,
    });
  });
});
