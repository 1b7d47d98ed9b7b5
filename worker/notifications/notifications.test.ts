import { env } from 'cloudflare:workers';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { addMember, type Client, ownerWithWebsiteChat } from '../../test/client';
import { receiveInbound } from '../conversations/pipeline';
import { createDb } from '../db/client';
import type { DomainEvent } from '../events/types';
import type { Job, JobOf } from '../jobs/types';
import { dispatch } from './dispatch';
import { EMAIL_QUIET_MS, flushNotificationEmails } from './email';
import { forgetOldNotifications, NOTIFICATION_RETENTION_MS } from './inbox';
import { onNotificationIntegration, signBody } from './integrations';
import { onNotificationPush } from './push';
import { decryptPush, newBrowser, verifyVapid } from './push-service.fixture';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const db = createDb(env.DB);
const WAIT = { timeout: 15_000, interval: 100 };
type Org = Awaited<ReturnType<typeof ownerWithWebsiteChat>>;

let visitorCounter = 0;
async function visitorWrites(org: Org, content: string, visitor = `v-${++visitorCounter}`) {
  const result = await receiveInbound(env, {
    organizationId: org.organizationId,
    channelId: org.channelId,
    externalContactId: visitor,
    content,
    contact: { name: 'Vera Visitor' },
  });
  return { ...result, visitor };
}

interface Row {
  id: string;
  user_id: string;
  event: string;
  event_id: string;
  title: string;
  conversation_id: string;
  in_app: number;
  email_status: string | null;
}

async function notificationsOf(userId: string): Promise<Row[]> {
  const { results } = await env.DB.prepare('SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at')
    .bind(userId)
    .all<Row>();
  return results;
}

/** Waits until the notifications subscriber has finished `n` events of the organisation. */
async function notificationRunsDone(organizationId: string, n: number) {
  await vi.waitFor(async () => {
    const row = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM event_runs WHERE organization_id = ? AND subscriber = 'notifications' AND status = 'DONE'",
    )
      .bind(organizationId)
      .first<{ n: number }>();
    expect(row?.n).toBeGreaterThanOrEqual(n);
  }, WAIT);
}

async function setPreferences(client: Client, body: unknown) {
  const res = await client.put('/api/notifications/preferences', body);
  expect(res.status).toBe(200);
  return res.body.data;
}

/** The real env with a JOBS queue that records what would be sent. */
function recordingEnv() {
  const sent: Job[] = [];
  const jobs = { send: async (job: Job) => void sent.push(job) } as unknown as Queue;
  return { env: { ...env, JOBS: jobs }, sent };
}

function statusEvent(org: Org, conversationId: string, id: string, actorId: string | null = null): DomainEvent {
  return {
    id,
    type: 'conversation.status_changed',
    organizationId: org.organizationId,
    conversationId,
    occurredAt: Date.now(),
    actor: actorId ? { type: 'USER', id: actorId } : { type: 'SYSTEM' },
    channelId: org.channelId,
    from: 'OPEN',
    to: 'PENDING',
  };
}

describe('preferences', () => {
  it('a new member gets the defaults: in-app for everything, email for ASSIGNED, scope ALL', async () => {
    const org = await ownerWithWebsiteChat();
    const res = await org.client.get('/api/notifications/preferences');
    expect(res.status).toBe(200);
    expect(res.body.data.scope).toBe('ALL');
    for (const event of ['NEW_CONVERSATION', 'NEW_MESSAGE', 'ASSIGNED', 'STATUS_CHANGED']) {
      expect(res.body.data.matrix[event].IN_APP).toBe(true);
      expect(res.body.data.matrix[event].EMAIL).toBe(event === 'ASSIGNED');
    }
  });

  it('unknown events and channels are a 400 naming the field, and nothing is saved', async () => {
    const org = await ownerWithWebsiteChat();
    const res = await org.client.put('/api/notifications/preferences', {
      scope: 'ASSIGNED_ONLY',
      matrix: { NEW_MESSAGE: { EMAIL: true, FAX: true }, BIRTHDAY: { IN_APP: true }, ASSIGNED: { SLACK: true } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.fields['matrix.NEW_MESSAGE.FAX']?.[0]).toMatch(/^Unknown delivery channel FAX/);
    expect(res.body.error.fields['matrix.BIRTHDAY']?.[0]).toMatch(/^Unknown event BIRTHDAY/);
    expect(res.body.error.fields['matrix.ASSIGNED.SLACK']?.[0]).toMatch(/organisation integration/);
    const bad = await org.client.put('/api/notifications/preferences', { scope: 'SOME' });
    expect(Object.keys(bad.body.error.fields)).toEqual(['scope']);
    const after = await org.client.get('/api/notifications/preferences');
    expect(after.body.data.scope).toBe('ALL');
    expect(after.body.data.matrix.NEW_MESSAGE.EMAIL).toBe(false);
  });

  it('a change is saved and read back; a VIEWER has preferences too', async () => {
    const org = await ownerWithWebsiteChat();
    const viewer = await addMember(org.client, 'VIEWER');
    const saved = await setPreferences(viewer.client, {
      scope: 'ASSIGNED_ONLY',
      matrix: { NEW_MESSAGE: { EMAIL: true, IN_APP: false } },
    });
    expect(saved.matrix.NEW_MESSAGE).toEqual({ IN_APP: false, EMAIL: true, PUSH: true });
    const read = await viewer.client.get('/api/notifications/preferences');
    expect(read.body.data).toEqual(saved);
    // The owner's own preferences are untouched.
    expect((await org.client.get('/api/notifications/preferences')).body.data.scope).toBe('ALL');
  });
});

describe('who is notified', () => {
  it('ASSIGNED_ONLY: nothing for an unassigned conversation; one ASSIGNED when assigned; then its messages', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    await setPreferences(agent.client, { scope: 'ASSIGNED_ONLY' });
    const viewer = await addMember(org.client, 'VIEWER');

    const first = await visitorWrites(org, 'Hello, is anyone there?');
    await notificationRunsDone(org.organizationId, 2);
    expect(await notificationsOf(agent.member.userId)).toEqual([]);
    // A VIEWER with scope ALL hears of it: read-only, not deaf.
    expect((await notificationsOf(viewer.member.userId)).map((n) => n.event)).toEqual(['NEW_CONVERSATION']);
    expect((await notificationsOf(org.user.id)).map((n) => n.title)).toEqual(['New conversation with Vera Visitor']);

    await org.client.patch(`/api/conversations/${first.conversation.id}`, { assignedToId: agent.member.userId });
    await notificationRunsDone(org.organizationId, 3);
    const assigned = await notificationsOf(agent.member.userId);
    expect(assigned.map((n) => [n.event, n.title])).toEqual([
      ['ASSIGNED', 'Olivia Owner assigned you the conversation with Vera Visitor'],
    ]);
    // The owner assigned it: no ASSIGNED for them (and it was not theirs anyway).
    expect((await notificationsOf(org.user.id)).map((n) => n.event)).toEqual(['NEW_CONVERSATION']);

    await visitorWrites(org, 'Still waiting for the refund', first.visitor);
    await notificationRunsDone(org.organizationId, 4);
    expect((await notificationsOf(agent.member.userId)).map((n) => n.event)).toEqual(['ASSIGNED', 'NEW_MESSAGE']);
  });

  it('tells every member an event notifies live, in one call to the organisation hub', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    const { conversation } = await visitorWrites(org, 'Hello, anyone?');
    await notificationRunsDone(org.organizationId, 2);
    const calls: { userId: string; frame: { type: string; notification: { event: string } } }[][] = [];
    const hub = { publishToUsers: async (frames: (typeof calls)[number]) => calls.push(frames) };
    const ORG_HUB = { idFromName: (name: string) => env.ORG_HUB.idFromName(name), get: () => hub };
    await dispatch({ ...env, ORG_HUB } as unknown as typeof env, {
      id: crypto.randomUUID(),
      type: 'conversation.opened',
      organizationId: org.organizationId,
      conversationId: conversation.id,
      occurredAt: Date.now(),
      actor: { type: 'CONTACT', id: conversation.contactId },
      channelId: org.channelId,
      contactId: conversation.contactId,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((f) => f.userId).sort()).toEqual([org.user.id, agent.member.userId].sort());
    expect(calls[0]!.map((f) => [f.frame.type, f.frame.notification.event])).toEqual([
      ['notification', 'NEW_CONVERSATION'],
      ['notification', 'NEW_CONVERSATION'],
    ]);
  });

  it('a conversation handed back to the bot (no assignee) still tells its most recent owner', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    await setPreferences(agent.client, { scope: 'ASSIGNED_ONLY' });
    const first = await visitorWrites(org, 'Hello?');
    await notificationRunsDone(org.organizationId, 2);
    expect(await notificationsOf(agent.member.userId)).toEqual([]);
    // What Hand back leaves (worker/automations/flows/state.ts): unassigned, the agent as the last owner.
    await env.DB.prepare(
      `INSERT INTO conversation_automation (conversation_id, organization_id, state, last_owner_id, updated_at)
       VALUES (?, ?, 'BOT', ?, ?)`,
    )
      .bind(first.conversation.id, org.organizationId, agent.member.userId, Date.now())
      .run();
    await visitorWrites(org, 'Is the serum in stock?', first.visitor);
    await notificationRunsDone(org.organizationId, 3);
    expect((await notificationsOf(agent.member.userId)).map((n) => n.event)).toEqual(['NEW_MESSAGE']);
  });

  it("the member who caused an event is not notified of it: an agent's own reply, their own assignment", async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    const { conversation } = await visitorWrites(org, 'Where is my order?');
    await notificationRunsDone(org.organizationId, 2);

    const reply = await agent.client.post(`/api/conversations/${conversation.id}/messages`, {
      conversationId: conversation.id,
      content: 'Looking into it now',
    });
    expect(reply.status).toBe(201);
    await agent.client.patch(`/api/conversations/${conversation.id}`, { assignedToId: agent.member.userId });
    await notificationRunsDone(org.organizationId, 4);

    const agentEvents = (await notificationsOf(agent.member.userId)).map((n) => n.event);
    expect(agentEvents).toEqual(['NEW_CONVERSATION']);
    const ownerRows = await notificationsOf(org.user.id);
    expect(ownerRows.map((n) => [n.event, n.title])).toEqual([
      ['NEW_CONVERSATION', 'New conversation with Vera Visitor'],
      ['NEW_MESSAGE', 'AGENT Member replied to Vera Visitor'],
    ]);
  });

  it('an event delivered twice makes one notification per member and one push per device', async () => {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await visitorWrites(org, 'Hi');
    await notificationRunsDone(org.organizationId, 2);
    await setPreferences(org.client, { matrix: { STATUS_CHANGED: { PUSH: true } } });
    // No device subscribed yet: the notification is stored, and no push job is made for it.
    const before = recordingEnv();
    const unpushed = statusEvent(org, conversation.id, crypto.randomUUID());
    await dispatch(before.env, unpushed);
    expect((await notificationsOf(org.user.id)).filter((n) => n.event_id === unpushed.id)).toHaveLength(1);
    expect(before.sent.filter((j) => j.kind === 'notification.push')).toEqual([]);

    // Devices subscribe once the queue has handled the visitor's message, so only this test's event pushes.
    const laptop = await newBrowser('https://push.example.com/send/laptop');
    const phone = await newBrowser('https://push.example.com/send/phone');
    for (const device of [laptop, phone]) {
      const res = await org.client.post('/api/notifications/push-subscription', device);
      expect(res.status).toBe(201);
    }

    const pushed: { device: string; payload: Record<string, unknown> }[] = [];
    server.use(
      http.post('https://push.example.com/send/:device', async ({ request, params }) => {
        await verifyVapid(request.headers.get('authorization'), env.VAPID_PUBLIC_KEY!);
        const browser = params.device === 'laptop' ? laptop : phone;
        const text = await decryptPush(browser, new Uint8Array(await request.arrayBuffer()));
        pushed.push({ device: String(params.device), payload: JSON.parse(text) });
        return new HttpResponse(null, { status: 201 });
      }),
    );

    const recording = recordingEnv();
    const event = statusEvent(org, conversation.id, crypto.randomUUID());
    await dispatch(recording.env, event);
    await dispatch(recording.env, event);
    const rows = (await notificationsOf(org.user.id)).filter((n) => n.event_id === event.id);
    expect(rows).toHaveLength(1);
    const pushJobs = recording.sent.filter((j): j is JobOf<'notification.push'> => j.kind === 'notification.push');
    expect(pushJobs).toHaveLength(2);
    for (const job of pushJobs) await onNotificationPush(env, job);
    expect(pushed.map((p) => p.device).sort()).toEqual(['laptop', 'phone']);
    expect(pushed[0]!.payload).toEqual({
      id: rows[0]!.id,
      event: 'STATUS_CHANGED',
      title: 'Conversation with Vera Visitor is now pending',
      body: '',
      url: `/conversations/${conversation.id}`,
      tag: conversation.id,
    });
  });
});

describe('web push delivery', () => {
  async function pushReadyOrg() {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await visitorWrites(org, 'Hello');
    await notificationRunsDone(org.organizationId, 2);
    const notificationId = crypto.randomUUID();
    await env.DB.prepare(
      `INSERT INTO notifications (id, organization_id, user_id, event, event_id, conversation_id, title, in_app, created_at)
       VALUES (?, ?, ?, 'ASSIGNED', ?, ?, 'You were assigned', 1, ?)`,
    )
      .bind(notificationId, org.organizationId, org.user.id, crypto.randomUUID(), conversation.id, Date.now())
      .run();
    const job = { kind: 'notification.push', organizationId: org.organizationId, notificationId } as const;
    return { org, job };
  }

  it('a 410 from the push service removes the subscription', async () => {
    const { org, job } = await pushReadyOrg();
    const device = await newBrowser('https://push.example.com/send/expired');
    await org.client.post('/api/notifications/push-subscription', device);
    server.use(http.post('https://push.example.com/send/expired', () => new HttpResponse(null, { status: 410 })));
    const status = () =>
      org.client.get(`/api/notifications/push-subscription?endpoint=${encodeURIComponent(device.endpoint)}`);
    expect((await status()).body.data.subscribed).toBe(true);
    await onNotificationPush(env, job);
    expect((await status()).body.data.subscribed).toBe(false);
    const row = await env.DB.prepare('SELECT 1 FROM push_subscriptions WHERE endpoint = ?')
      .bind(device.endpoint)
      .first();
    expect(row).toBeNull();
  });

  it('a failed send is retried and then delivered once; a delivered device is not sent it again', async () => {
    const { org, job } = await pushReadyOrg();
    const device = await newBrowser('https://push.example.com/send/flaky');
    await org.client.post('/api/notifications/push-subscription', device);
    let calls = 0;
    let status = 503;
    server.use(
      http.post('https://push.example.com/send/flaky', () => {
        calls++;
        return new HttpResponse(null, { status });
      }),
    );
    await expect(onNotificationPush(env, job)).rejects.toThrow('push service answered 503');
    status = 201;
    await onNotificationPush(env, job);
    await onNotificationPush(env, job);
    expect(calls).toBe(2);
  });

  it('subscribing needs a public https endpoint and real keys; unsubscribing removes this device only', async () => {
    const org = await ownerWithWebsiteChat();
    const device = await newBrowser('https://push.example.com/send/a');
    const local = await org.client.post('/api/notifications/push-subscription', {
      ...device,
      endpoint: 'https://127.0.0.1/push',
    });
    expect(local.status).toBe(400);
    expect(local.body.error.fields.endpoint?.[0]).toMatch(/^Push endpoint refused/);
    const badKeys = await org.client.post('/api/notifications/push-subscription', {
      endpoint: device.endpoint,
      keys: { p256dh: 'abc', auth: 'x'.repeat(200) },
    });
    expect(badKeys.status).toBe(400);
    expect(Object.keys(badKeys.body.error.fields).sort()).toEqual(['keys.auth', 'keys.p256dh']);
    const count = async () =>
      (
        await env.DB.prepare('SELECT COUNT(*) AS n FROM push_subscriptions WHERE user_id = ?')
          .bind(org.user.id)
          .first<{ n: number }>()
      )?.n;
    expect(await count()).toBe(0);
    const other = await newBrowser('https://push.example.com/send/b');
    await org.client.post('/api/notifications/push-subscription', device);
    await org.client.post('/api/notifications/push-subscription', device);
    await org.client.post('/api/notifications/push-subscription', other);
    expect(await count()).toBe(2);
    const removed = await org.client.request('DELETE', '/api/notifications/push-subscription', {
      endpoint: device.endpoint,
    });
    expect(removed.body.data).toEqual({ removed: true });
    expect(await count()).toBe(1);
    const key = await org.client.get('/api/notifications/push-subscription');
    expect(key.body.data.publicKey).toBe(env.VAPID_PUBLIC_KEY);
  });
});

describe('device limit', () => {
  it('a member keeps at most 20 devices: the 21st forgets the oldest', async () => {
    const org = await ownerWithWebsiteChat();
    const endpoints: string[] = [];
    for (let i = 0; i < 21; i++) {
      const device = await newBrowser(`https://push.example.com/send/many-${i}`);
      endpoints.push(device.endpoint);
      expect((await org.client.post('/api/notifications/push-subscription', device)).status).toBe(201);
      // created_at is in milliseconds: keep the order unambiguous.
      await new Promise((r) => setTimeout(r, 2));
    }
    const { results } = await env.DB.prepare('SELECT endpoint FROM push_subscriptions WHERE user_id = ?')
      .bind(org.user.id)
      .all<{ endpoint: string }>();
    expect(results.map((r) => r.endpoint).sort()).toEqual(endpoints.slice(1).sort());
  });
});

describe('integrations', () => {
  it('Slack and a signed webhook receive the event once each, from fake servers', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    const refused = await agent.client.post('/api/notifications/integrations', {
      type: 'SLACK',
      name: 'Support',
      url: 'https://hooks.slack.com/services/T1/B1/secret',
      events: ['NEW_CONVERSATION'],
    });
    expect(refused.status).toBe(403);
    const slack = await org.client.post('/api/notifications/integrations', {
      type: 'SLACK',
      name: 'Support channel',
      url: 'https://hooks.slack.com/services/T1/B1/xoxsecretpart',
      events: ['STATUS_CHANGED'],
    });
    expect(slack.status).toBe(201);
    expect(slack.body.data.url).toBe('https://hooks.slack.com/••••••••part');
    const hook = await org.client.post('/api/notifications/integrations', {
      type: 'WEBHOOK',
      name: 'CRM',
      url: 'https://crm.example.com/hooks/helpstack',
      events: ['STATUS_CHANGED', 'NEW_MESSAGE'],
    });
    expect(hook.status).toBe(201);
    const secret = hook.body.data.secret as string;
    expect(secret).toMatch(/^whsec_[\w-]{43}$/);
    const listed = await agent.client.get('/api/notifications/integrations');
    expect(listed.body.data.map((i: { secret: string | null }) => i.secret)).toEqual([
      null,
      `••••••••${secret.slice(-4)}`,
    ]);
    expect(JSON.stringify(listed.body)).not.toContain('xoxsecretpart');

    const { conversation } = await visitorWrites(org, 'Hi');
    await notificationRunsDone(org.organizationId, 2);
    const slackBodies: unknown[] = [];
    const hookCalls: { body: string; signature: string | null; event: string | null }[] = [];
    server.use(
      http.post('https://hooks.slack.com/services/T1/B1/xoxsecretpart', async ({ request }) => {
        slackBodies.push(await request.json());
        return HttpResponse.text('ok');
      }),
      http.post('https://crm.example.com/hooks/helpstack', async ({ request }) => {
        hookCalls.push({
          body: await request.text(),
          signature: request.headers.get('x-helpstack-signature'),
          event: request.headers.get('x-helpstack-event'),
        });
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const recording = recordingEnv();
    const event = statusEvent(org, conversation.id, crypto.randomUUID(), org.user.id);
    await dispatch(recording.env, event);
    const jobs = recording.sent.filter(
      (j): j is JobOf<'notification.integration'> => j.kind === 'notification.integration',
    );
    expect(jobs).toHaveLength(2);
    for (const job of [...jobs, ...jobs]) await onNotificationIntegration(env, job);

    expect(slackBodies).toEqual([
      {
        text: `*Conversation with Vera Visitor is now pending*\nChanged by Olivia Owner\n<http://localhost:8787/conversations/${conversation.id}|Open the conversation>`,
      },
    ]);
    expect(hookCalls).toHaveLength(1);
    const call = hookCalls[0]!;
    expect(call.signature).toBe(`sha256=${await signBody(secret, call.body)}`);
    expect(call.signature).not.toBe(`sha256=${await signBody('whsec_wrong', call.body)}`);
    expect(call.event).toBe('STATUS_CHANGED');
    expect(JSON.parse(call.body)).toEqual({
      id: event.id,
      event: 'STATUS_CHANGED',
      organizationId: org.organizationId,
      conversationId: conversation.id,
      title: 'Conversation with Vera Visitor is now pending',
      body: 'Changed by Olivia Owner',
      url: `http://localhost:8787/conversations/${conversation.id}`,
      occurredAt: new Date(event.occurredAt).toISOString(),
    });
  });

  it('integration URLs must be public https hosts; a refused request saves nothing', async () => {
    const org = await ownerWithWebsiteChat();
    for (const url of ['http://crm.example.com/x', 'https://10.0.0.5/hook', 'https://intranet.local/hook']) {
      const res = await org.client.post('/api/notifications/integrations', {
        type: 'WEBHOOK',
        name: 'x',
        url,
        events: ['NEW_MESSAGE'],
      });
      expect(res.status).toBe(400);
      expect(res.body.error.fields.url).toHaveLength(1);
    }
    const unknown = await org.client.post('/api/notifications/integrations', {
      type: 'WEBHOOK',
      name: 'x',
      url: 'https://crm.example.com/x',
      events: ['BIRTHDAY'],
    });
    expect(unknown.status).toBe(400);
    expect(Object.keys(unknown.body.error.fields)).toEqual(['events.0']);
    expect((await org.client.get('/api/notifications/integrations')).body.data).toEqual([]);
  });
});

describe('email', () => {
  it('a burst of 30 messages in one conversation is one mail, with links to it and to the preferences', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    await setPreferences(agent.client, { matrix: { NEW_MESSAGE: { EMAIL: true } } });
    const first = await visitorWrites(org, 'First');
    for (let i = 1; i <= 30; i++) await visitorWrites(org, `Follow-up ${i}`, first.visitor);
    await notificationRunsDone(org.organizationId, 32);
    const mails = async () =>
      (
        await env.DB.prepare('SELECT subject, text, html FROM outbound_emails WHERE "to" = ?').bind(agent.email).all<{
          subject: string;
          text: string;
          html: string;
        }>()
      ).results;

    // Still busy: nothing yet. (Other tests' pending mail in this file may go out too: count this agent's.)
    await flushNotificationEmails(env, Date.now());
    expect(await mails()).toHaveLength(0);
    await flushNotificationEmails(env, Date.now() + EMAIL_QUIET_MS + 1000);
    await flushNotificationEmails(env, Date.now() + EMAIL_QUIET_MS + 2000);
    const sent = await mails();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe('30 updates: New message from Vera Visitor');
    expect(sent[0]!.text).toContain('Follow-up 30');
    expect(sent[0]!.text).toContain('…and 10 earlier');
    expect(sent[0]!.text).toContain(`http://localhost:8787/conversations/${first.conversation.id}`);
    expect(sent[0]!.text).toContain('http://localhost:8787/settings/notifications');
    const states = await env.DB.prepare(
      'SELECT DISTINCT email_status AS s FROM notifications WHERE user_id = ? AND event = ?',
    )
      .bind(agent.member.userId, 'NEW_MESSAGE')
      .all<{ s: string }>();
    expect(states.results).toEqual([{ s: 'SENT' }]);
  });
});

describe('notification centre', () => {
  it('lists my notifications newest first with the unread count; marks some or all read; old ones are forgotten', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    await visitorWrites(org, 'One');
    await visitorWrites(org, 'Two');
    await notificationRunsDone(org.organizationId, 4);
    const list = await agent.client.get('/api/notifications?pageSize=1');
    expect(list.status).toBe(200);
    expect(list.body.data).toMatchObject({ total: 2, unreadCount: 2, page: 1, pageSize: 1, totalPages: 2 });
    const [newest] = list.body.data.items;
    expect(newest).toMatchObject({
      event: 'NEW_CONVERSATION',
      title: 'New conversation with Vera Visitor',
      readAt: null,
    });
    // Another member's ids are ignored.
    const ownerItems = (await org.client.get('/api/notifications')).body.data.items;
    expect((await agent.client.post('/api/notifications/read', { ids: [ownerItems[0].id] })).body.data).toEqual({
      marked: 0,
      unreadCount: 2,
    });
    expect((await agent.client.post('/api/notifications/read', { ids: [newest.id] })).body.data).toEqual({
      marked: 1,
      unreadCount: 1,
    });
    expect((await agent.client.post('/api/notifications/read', {})).body.data).toEqual({ marked: 1, unreadCount: 0 });
    expect((await org.client.get('/api/notifications')).body.data.unreadCount).toBe(2);
    const tooLong = await agent.client.post('/api/notifications/read', { ids: ['x'.repeat(101)] });
    expect(tooLong.status).toBe(400);

    const forgotten = await forgetOldNotifications(db, Date.now() + NOTIFICATION_RETENTION_MS + 60_000);
    expect(forgotten).toBeGreaterThanOrEqual(4);
    expect((await agent.client.get('/api/notifications')).body.data.total).toBe(0);
  });
});
