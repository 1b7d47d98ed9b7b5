import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { addMember, ownerWithWebsiteChat } from '../../test/client';
import { countingD1, isRead } from '../../test/counting-d1';
import { insertConversation } from '../../test/d1';
import { updateSettings } from '../analytics/settings';
import { analyticsSubscriber } from '../analytics/subscriber';
import { receiveInbound } from '../conversations/pipeline';
import { createDb } from '../db/client';
import type { Job } from '../jobs/types';
import { notificationSubscriber } from '../notifications/dispatch';
import { fanOutBatch, type Subscriber } from './fan-out';
import type { DomainEvent } from './types';

type Chat = Awaited<ReturnType<typeof ownerWithWebsiteChat>>;
const db = createDb(env.DB);

/** `n` conversations, each with a second customer message: the `message.accepted` events of those messages. */
async function customerMessages(chat: Chat, n: number): Promise<DomainEvent[]> {
  const events: DomainEvent[] = [];
  for (let i = 0; i < n; i++) {
    const visitor = `v-${crypto.randomUUID()}`;
    const inbound = { ...chat, externalContactId: visitor, contact: { name: `Visitor ${i}` } };
    await receiveInbound(env, { ...inbound, content: 'Hello' });
    const { conversation, message } = await receiveInbound(env, { ...inbound, content: `Where is order ${i}?` });
    events.push({
      // Ids of their own: the queue's own run of the real events does not touch these.
      id: crypto.randomUUID(),
      type: 'message.accepted',
      first: false,
      organizationId: chat.organizationId,
      conversationId: conversation.id,
      channelId: chat.channelId,
      messageId: message.id,
      occurredAt: Date.now(),
      actor: { type: 'CONTACT', id: message.senderId },
    });
  }
  return events;
}

/** Fans a batch out to notifications and analytics over a counting D1; the round trips it took. */
async function roundTrips(events: DomainEvent[]) {
  const { binding, trips } = countingD1(env.DB);
  const sent: Job[] = [];
  const jobs = { send: async (job: Job) => void sent.push(job) } as unknown as Queue;
  const problems = await fanOutBatch(
    { ...env, DB: binding, JOBS: jobs },
    createDb(binding),
    [notificationSubscriber, analyticsSubscriber],
    events,
  );
  expect(problems).toEqual(events.map(() => null));
  return trips;
}

describe('a queue batch of customer messages', () => {
  it('costs notifications and analytics one write each per message; their reads do not grow with the batch', async () => {
    const chat = await ownerWithWebsiteChat({ autoReply: false });
    await addMember(chat.client, 'AGENT');
    const small = await roundTrips(await customerMessages(chat, 2));
    const large = await roundTrips(await customerMessages(chat, 6));
    // Per message: the fan-out's claim (sent with the previous message's outcomes), the notifications' insert
    // and the analytics event's write. (Before: 13, with 8 reads of the subscribers' own.)
    expect((large.length - small.length) / 4).toBe(3);
    // Reads: the batch's channels, the notifications' lookups and the organisation's calendar; deriving the
    // batch's conversations reads once more after the last outcome.
    expect(large.filter(isRead)).toHaveLength(4);
    expect(small.filter(isRead)).toHaveLength(4);
    expect(large).toHaveLength(4 + 6 * 3 + 2);
  });
});

/** A workspace whose two conversations and their messages are written straight to D1 (no actor, no queue). */
async function workspace() {
  const chat = await ownerWithWebsiteChat({ autoReply: false });
  const agent = await addMember(chat.client, 'AGENT');
  expect((await agent.client.put('/api/notifications/preferences', { scope: 'ASSIGNED_ONLY' })).status).toBe(200);
  const hook = await chat.client.post('/api/notifications/integrations', {
    type: 'WEBHOOK',
    name: 'CRM',
    url: 'https://crm.example.com/hooks/helpstack',
    events: ['STATUS_CHANGED', 'NEW_MESSAGE'],
  });
  expect(hook.status).toBe(201);
  const owner = chat.user.id as string;
  const agentId = agent.member.userId as string;
  const now = Date.now();
  const ids = {
    c1: crypto.randomUUID(),
    c2: crypto.randomUUID(),
    ...Object.fromEntries(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'].map((m) => [m, crypto.randomUUID()])),
  } as Record<'c1' | 'c2' | `m${1 | 2 | 3 | 4 | 5 | 6 | 7}`, string>;
  const contact = (name: string | null, email: string | null) => {
    const id = crypto.randomUUID();
    return {
      id,
      statement: env.DB.prepare(
        `INSERT INTO contacts (id, organization_id, channel_id, external_id, name, email, next_conversation_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(id, chat.organizationId, chat.channelId, id, name, email, crypto.randomUUID(), now, now),
    };
  };
  const vera = contact('Vera Visitor', null);
  const mail = contact(null, 'buyer@example.com');
  const conversation = (id: string, contactId: string, assignee: string | null, preview: string) =>
    env.DB.prepare(
      `INSERT INTO conversations (id, organization_id, channel_id, contact_id, assigned_to_id, last_message_preview, last_message_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(id, chat.organizationId, chat.channelId, contactId, assignee, preview, now, now, now);
  let seq = 0;
  const message = (id: string, conversationId: string, sender: string, content: string, language: string | null) =>
    env.DB.prepare(
      `INSERT INTO messages (id, organization_id, conversation_id, seq, direction, sender_type, content, language, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(
      id,
      chat.organizationId,
      conversationId,
      ++seq,
      sender === 'CONTACT' ? 'INBOUND' : 'OUTBOUND',
      sender,
      content,
      language,
      now,
      now,
    );
  await env.DB.batch([
    vera.statement,
    mail.statement,
    conversation(ids.c1, vera.id, agentId, 'Where is my parcel?'),
    conversation(ids.c2, mail.id, null, 'Thanks'),
    message(ids.m1, ids.c1, 'CONTACT', 'Hello', 'de'),
    message(ids.m2, ids.c1, 'CONTACT', 'Where is my parcel?', 'de'),
    message(ids.m3, ids.c1, 'AGENT', 'It left the warehouse today', null),
    message(ids.m4, ids.c1, 'AGENT', 'Owner, can you check the courier?', null),
    message(ids.m5, ids.c2, 'CONTACT', 'Do you ship to Norway?', 'en'),
    message(ids.m6, ids.c2, 'AI', 'We do.', null),
    message(ids.m7, ids.c2, 'CONTACT', 'Thanks', 'en'),
  ]);

  // What happened to them: customer messages, an assignment, replies, a note mentioning the owner, an AI draft
  // approved with an edit, resolutions and a reopening, and a status change analytics does not count.
  const at = (time: string) => Date.parse(`2026-03-02T${time}:00Z`);
  const user = (id: string) => ({ type: 'USER' as const, id });
  const base = (n: number, conversationId: string, time: string, actor: DomainEvent['actor']) => ({
    id: crypto.randomUUID(),
    organizationId: chat.organizationId,
    conversationId,
    channelId: chat.channelId,
    occurredAt: at(time) + n,
    actor,
  });
  const customer = { type: 'CONTACT' as const };
  const posted = { awaitingTranslation: false, approvalStatus: 'NONE' as const, isNote: false };
  const events: DomainEvent[] = [
    { ...base(0, ids.c1, '09:00', customer), type: 'conversation.opened', contactId: vera.id },
    { ...base(1, ids.c1, '09:00', customer), type: 'message.accepted', messageId: ids.m1, first: true },
    { ...base(2, ids.c1, '09:01', customer), type: 'message.accepted', messageId: ids.m2, first: false },
    {
      ...base(3, ids.c1, '09:02', user(owner)),
      type: 'conversation.assigned',
      assignedToId: agentId,
      previousAssigneeId: null,
    },
    {
      ...base(4, ids.c1, '09:05', user(owner)),
      type: 'message.posted',
      messageId: ids.m3,
      senderType: 'AGENT',
      ...posted,
    },
    {
      ...base(5, ids.c1, '09:06', user(agentId)),
      type: 'message.posted',
      messageId: ids.m4,
      senderType: 'AGENT',
      ...posted,
      isNote: true,
      mentions: [owner],
    },
    { ...base(6, ids.c1, '09:10', user(owner)), type: 'conversation.status_changed', from: 'OPEN', to: 'CLOSED' },
    { ...base(7, ids.c2, '09:20', customer), type: 'conversation.opened', contactId: mail.id },
    { ...base(8, ids.c2, '09:20', customer), type: 'message.accepted', messageId: ids.m5, first: true },
    {
      ...base(9, ids.c2, '09:21', { type: 'AI' }),
      type: 'message.posted',
      messageId: ids.m6,
      senderType: 'AI',
      ...posted,
      approvalStatus: 'PENDING',
    },
    {
      ...base(10, ids.c2, '09:25', user(owner)),
      type: 'message.approved',
      messageId: ids.m6,
      senderType: 'AI',
      edited: true,
    },
    { ...base(11, ids.c2, '09:30', customer), type: 'message.accepted', messageId: ids.m7, first: false },
    { ...base(12, ids.c2, '09:31', user(agentId)), type: 'conversation.status_changed', from: 'OPEN', to: 'PENDING' },
    { ...base(13, ids.c1, '10:00', user(owner)), type: 'conversation.status_changed', from: 'CLOSED', to: 'OPEN' },
    // Not an AI draft: analytics counted the reply when it was written.
    { ...base(14, ids.c1, '10:05', user(owner)), type: 'message.approved', messageId: ids.m3, senderType: 'AGENT' },
  ];
  // Labels for what differs between two workspaces: their ids.
  const labels = new Map<unknown, string>([
    [chat.organizationId, 'organisation'],
    [owner, 'owner'],
    [agentId, 'agent'],
    [chat.channelId, 'website'],
    [hook.body.data.id, 'crm'],
    ...Object.entries(ids).map(([label, id]) => [id, label] as [string, string]),
    ...events.map((event, i) => [event.id, `e${i}`] as [string, string]),
  ]);
  return { chat, events, labels };
}

type Workspace = Awaited<ReturnType<typeof workspace>>;

/** What notifications and analytics made of a workspace's events, its ids replaced by labels. */
async function outcome({ chat, labels }: Workspace, sent: Job[]) {
  const label = (value: unknown) => labels.get(value) ?? value;
  const relabel = (row: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(row).map(([key, value]) => [key, label(value)]));
  const rows = async (sql: string) =>
    (await env.DB.prepare(sql).bind(chat.organizationId).all<Record<string, unknown>>()).results.map(relabel);
  const notifications = await rows(
    `SELECT id, user_id, event, event_id, conversation_id, title, body, in_app, email_status FROM notifications
     WHERE organization_id = ? ORDER BY event_id, user_id`,
  );
  for (const n of notifications) labels.set(n.id, `${n.event_id}/${n.user_id}`);
  const sort = <T>(items: T[]) => items.map((item) => JSON.stringify(item)).sort();
  const report = await chat.client.get('/api/analytics/overview?from=2026-03-02&to=2026-03-02');
  expect(report.status).toBe(200);
  return {
    notifications: sort(notifications.map(({ id: _, ...n }) => n)),
    jobs: sort(
      sent.map((job) =>
        relabel(
          JSON.parse(
            JSON.stringify(job, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? relabel(v) : v)),
          ),
        ),
      ),
    ),
    analyticsEvents: sort(
      await rows(
        'SELECT id, conversation_id, channel_id, kind, agent_id, language, message_id, occurred_at FROM analytics_events WHERE organization_id = ?',
      ),
    ),
    cycles: sort(await rows('SELECT * FROM analytics_cycles WHERE organization_id = ?')),
    conversations: sort(
      await rows(
        'SELECT conversation_id, version, derived_version FROM analytics_conversations WHERE organization_id = ?',
      ),
    ),
    days: sort(await rows('SELECT day FROM analytics_dirty_days WHERE organization_id = ?')),
    overview: report.body.data.current,
  };
}

const recording = () => {
  const sent: Job[] = [];
  return { sent, env: { ...env, JOBS: { send: async (job: Job) => void sent.push(job) } as unknown as Queue } };
};

describe('notifications and analytics of a batch', () => {
  const subscribers = [notificationSubscriber, analyticsSubscriber];

  it('are the same as when each event is handed over on its own', async () => {
    const one = await workspace();
    const alone = recording();
    for (const event of one.events) expect(await fanOutBatch(alone.env, db, subscribers, [event])).toEqual([null]);
    const other = await workspace();
    const together = recording();
    expect(await fanOutBatch(together.env, db, subscribers, other.events)).toEqual(other.events.map(() => null));

    const expected = await outcome(one, alone.sent);
    expect(await outcome(other, together.sent)).toEqual(expected);
    // What the story tells, so that sameness is not sameness of nothing.
    expect(expected.notifications.length).toBeGreaterThan(6);
    expect(expected.jobs.some((job) => job.includes('notification.integration'))).toBe(true);
    expect(expected.cycles.length).toBe(3);
    expect(expected.overview).toMatchObject({
      newConversations: 2,
      resolutions: 1,
      reopened: 1,
      customerMessages: 4,
      replies: 2,
      aiAnsweredShare: 1 / 3,
    });
    // What each event counts (kind, agent, language, message), with what D1 settles: the customer's language,
    // the status change's channel, whether an approval was of an AI draft.
    const reporting = Object.fromEntries(
      expected.analyticsEvents.map((row) => {
        const r = JSON.parse(row);
        return [r.id, [r.kind, r.agent_id, r.language, r.message_id]];
      }),
    );
    expect(reporting).toEqual({
      e0: ['OPENED', null, null, null],
      e1: ['CUSTOMER_MESSAGE', null, 'de', 'm1'],
      e2: ['CUSTOMER_MESSAGE', null, 'de', 'm2'],
      e4: ['AGENT_REPLY', 'owner', null, 'm3'],
      e5: ['NOTE', 'agent', null, 'm4'],
      e6: ['RESOLVED', 'owner', null, null],
      e7: ['OPENED', null, null, null],
      e8: ['CUSTOMER_MESSAGE', null, 'en', 'm5'],
      e9: ['AI_DRAFT', null, null, 'm6'],
      e10: ['AI_DRAFT_EDITED', 'owner', null, 'm6'],
      e11: ['CUSTOMER_MESSAGE', null, 'en', 'm7'],
      e13: ['REOPENED', 'owner', null, null],
    });
    expect(expected.analyticsEvents.every((row) => JSON.parse(row).channel_id === 'website')).toBe(true);
  });

  it('a failed read or write fails only its own event; the redelivered batch tells each member once', async () => {
    const chat = await ownerWithWebsiteChat({ autoReply: false });
    await addMember(chat.client, 'AGENT');
    const events = await customerMessages(chat, 3);
    const [first, second, third] = events.map((event) => event.id);
    // Every member has a browser subscribed to web push (only they get push jobs).
    await env.DB.prepare(
      `INSERT INTO push_subscriptions (id, organization_id, user_id, endpoint, p256dh, auth, created_at)
       SELECT lower(hex(randomblob(16))), organization_id, user_id, 'https://push.example.com/send/' || user_id, 'k', 'a', ?
       FROM memberships WHERE organization_id = ? AND status = 'ACTIVE'`,
    )
      .bind(Date.now(), chat.organizationId)
      .run();
    // The batch's notification lookups fail when the first event reads them; the second event's notifications
    // fail to be stored.
    let failures = 0;
    const { binding } = countingD1(env.DB, (trip) => {
      const lookups = trip.sql[0]?.includes('from "conversations"');
      const insert = trip.sql[0]?.startsWith('insert into "notifications"') && trip.params[0]?.includes(second);
      if ((lookups && failures === 0) || (insert && failures === 1)) return ++failures > 0;
      return false;
    });
    const once = recording();
    const problems = await fanOutBatch({ ...once.env, DB: binding }, createDb(binding), subscribers, events);
    expect(problems[0]?.message).toMatch(/not fully handled: notifications: /);
    expect(problems[1]?.message).toMatch(/not fully handled: notifications: /);
    expect(problems[2]).toBeNull();
    const told = async () =>
      Object.fromEntries(
        (
          await env.DB.prepare(
            'SELECT event_id, COUNT(*) AS n FROM notifications WHERE event_id IN (?, ?, ?) GROUP BY event_id ORDER BY event_id',
          )
            .bind(first, second, third)
            .all<{ event_id: string; n: number }>()
        ).results.map((row) => [row.event_id, row.n]),
      );
    expect(await told()).toEqual({ [third!]: 2 });
    const counted = await env.DB.prepare('SELECT COUNT(*) AS n FROM analytics_events WHERE id IN (?, ?, ?)')
      .bind(first, second, third)
      .first<{ n: number }>();
    expect(counted?.n).toBe(3);

    // The queue redelivers the two: their notifications are made, the third's are not made or pushed again.
    const again = recording();
    expect(await fanOutBatch(again.env, db, subscribers, events)).toEqual([null, null, null]);
    expect(await told()).toEqual({ [first!]: 2, [second!]: 2, [third!]: 2 });
    const pushed = again.sent.flatMap((job) => (job.kind === 'notification.push' ? [job.notificationId] : []));
    const { results: of } = await env.DB.prepare(
      `SELECT DISTINCT event_id FROM notifications WHERE id IN (${pushed.map(() => '?').join(', ')})`,
    )
      .bind(...pushed)
      .all<{ event_id: string }>();
    expect(of.map((row) => row.event_id).sort()).toEqual([first, second].sort());
  });

  it('count a message on its local day when the time zone changes while the batch runs', async () => {
    const chat = await ownerWithWebsiteChat();
    const conversationId = await insertConversation(chat, null);
    const message = (occurredAt: string): DomainEvent => ({
      id: crypto.randomUUID(),
      type: 'message.accepted',
      first: false,
      organizationId: chat.organizationId,
      conversationId,
      channelId: chat.channelId,
      messageId: crypto.randomUUID(),
      occurredAt: Date.parse(occurredAt),
      actor: { type: 'CONTACT' },
    });
    // The second message is on 11 March in Ljubljana, still 10 March in UTC, the zone the batch read first.
    const events = [message('2026-03-09T12:00:00Z'), message('2026-03-10T23:30:00Z')];
    const admin: Subscriber = {
      name: 'admin-changes-the-time-zone',
      on: ['message.accepted'],
      run: async (env, event) => {
        if (event === events[0]) await updateSettings(env.DB, chat.organizationId, { timeZone: 'Europe/Ljubljana' });
      },
    };
    expect(await fanOutBatch(env, db, [analyticsSubscriber, admin], events)).toEqual([null, null]);
    const day = async (date: string) => {
      const res = await chat.client.get(`/api/analytics/overview?from=${date}&to=${date}`);
      expect(res.status).toBe(200);
      return res.body.data.current.customerMessages;
    };
    expect([await day('2026-03-09'), await day('2026-03-10'), await day('2026-03-11')]).toEqual([1, 0, 1]);
  });
});
