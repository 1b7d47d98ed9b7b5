import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { addMember, ownerWithWebsiteChat } from '../../test/client';
import { receiveInbound } from '../conversations/pipeline';
import type { DomainEvent } from '../events/types';
import type { Job } from '../jobs/types';
import { dispatch } from './dispatch';

const WAIT = { timeout: 15_000, interval: 100 };
type Org = Awaited<ReturnType<typeof ownerWithWebsiteChat>>;

async function conversationWith(org: Org) {
  const { conversation } = await receiveInbound(env, {
    organizationId: org.organizationId,
    channelId: org.channelId,
    externalContactId: `v-${crypto.randomUUID()}`,
    content: 'My parcel never arrived',
    contact: { name: 'Vera Visitor' },
  });
  return conversation.id;
}

interface Row {
  user_id: string;
  event: string;
  event_id: string;
  title: string;
  body: string | null;
}

async function notificationsAbout(conversationId: string): Promise<Row[]> {
  const { results } = await env.DB.prepare(
    'SELECT user_id, event, event_id, title, body FROM notifications WHERE conversation_id = ? ORDER BY user_id, event',
  )
    .bind(conversationId)
    .all<Row>();
  return results;
}

/** Waits until the notifications subscriber has finished the note's message.posted event. */
async function noteDispatched(organizationId: string, messageId: string) {
  await vi.waitFor(async () => {
    const row = await env.DB.prepare(
      `SELECT COUNT(*) AS n FROM event_runs r JOIN notifications n ON n.event_id = r.event_id
       WHERE r.organization_id = ? AND r.subscriber = 'notifications' AND r.status = 'DONE' AND n.body LIKE ?`,
    )
      .bind(organizationId, `%${messageId}%`)
      .first<{ n: number }>();
    expect(row?.n).toBeGreaterThan(0);
  }, WAIT);
}

describe('@mentions in internal notes', () => {
  it('notify the mentioned member once (a MENTION instead of the note), not the author, not a namesake elsewhere', async () => {
    const org = await ownerWithWebsiteChat();
    const mira = await addMember(org.client, 'AGENT');
    const other = await addMember(org.client, 'AGENT');
    // Another workspace has a member of the very same name ("AGENT Member").
    const elsewhere = await ownerWithWebsiteChat();
    const namesake = await addMember(elsewhere.client, 'AGENT');
    expect(namesake.member.name).toBe(mira.member.name);
    const conversationId = await conversationWith(org);

    const marker = crypto.randomUUID();
    const res = await org.client.post(`/api/conversations/${conversationId}/messages`, {
      conversationId,
      content: `@${mira.member.name} can you check the courier? ${marker}`,
      isNote: true,
      mentions: [mira.member.userId, mira.member.userId],
      clientMessageId: `note-${marker}`,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const noteId = res.body.data.id as string;
    await noteDispatched(org.organizationId, marker);

    const aboutNote = (rows: Row[]) => rows.filter((n) => n.body?.includes(marker));
    const rows = aboutNote(await notificationsAbout(conversationId));
    const mention = rows.filter((n) => n.user_id === mira.member.userId);
    expect(mention.map((n) => [n.event, n.title])).toEqual([
      ['MENTION', 'Olivia Owner mentioned you in a note on the conversation with Vera Visitor'],
    ]);
    // The other teammate hears of the note as before; the author of the note hears nothing.
    expect(rows.filter((n) => n.user_id === other.member.userId).map((n) => n.event)).toEqual(['NEW_MESSAGE']);
    expect(rows.filter((n) => n.user_id === org.user.id)).toEqual([]);
    const namesakeRows = await env.DB.prepare('SELECT COUNT(*) AS n FROM notifications WHERE user_id = ?')
      .bind(namesake.member.userId)
      .first<{ n: number }>();
    expect(namesakeRows?.n).toBe(0);
    // The note keeps whom it mentioned.
    const stored = await env.DB.prepare(
      'SELECT user_id, organization_id, conversation_id FROM note_mentions WHERE message_id = ?',
    )
      .bind(noteId)
      .all();
    expect(stored.results).toEqual([
      { user_id: mira.member.userId, organization_id: org.organizationId, conversation_id: conversationId },
    ]);

    // The same event delivered again (a queue retry) and the same post retried: still one notification.
    const event: DomainEvent = {
      id: mention[0]!.event_id,
      type: 'message.posted',
      organizationId: org.organizationId,
      conversationId,
      occurredAt: Date.now(),
      actor: { type: 'USER', id: org.user.id },
      messageId: noteId,
      channelId: org.channelId,
      senderType: 'AGENT',
      isNote: true,
      approvalStatus: 'NONE',
      awaitingTranslation: false,
      mentions: [mira.member.userId],
    };
    const sent: Job[] = [];
    await dispatch({ ...env, JOBS: { send: async (job: Job) => void sent.push(job) } as unknown as Queue }, event);
    const retry = await org.client.post(`/api/conversations/${conversationId}/messages`, {
      conversationId,
      content: `@${mira.member.name} can you check the courier? ${marker}`,
      isNote: true,
      mentions: [mira.member.userId],
      clientMessageId: `note-${marker}`,
    });
    expect(retry.status).toBe(200);
    expect(retry.body.data.id).toBe(noteId);
    const after = aboutNote(await notificationsAbout(conversationId)).filter((n) => n.user_id === mira.member.userId);
    expect(after.map((n) => n.event)).toEqual(['MENTION']);
  });

  it('a member who turned mentions off hears of the note as any other; scope "assigned only" still hears mentions', async () => {
    const org = await ownerWithWebsiteChat();
    const quiet = await addMember(org.client, 'AGENT');
    const focused = await addMember(org.client, 'AGENT');
    const off = { IN_APP: false, EMAIL: false, PUSH: false };
    expect((await quiet.client.put('/api/notifications/preferences', { matrix: { MENTION: off } })).status).toBe(200);
    expect((await focused.client.put('/api/notifications/preferences', { scope: 'ASSIGNED_ONLY' })).status).toBe(200);
    const conversationId = await conversationWith(org);
    const marker = crypto.randomUUID();
    const res = await org.client.post(`/api/conversations/${conversationId}/messages`, {
      conversationId,
      content: `Both of you, please look. ${marker}`,
      isNote: true,
      mentions: [quiet.member.userId, focused.member.userId],
    });
    expect(res.status).toBe(201);
    await noteDispatched(org.organizationId, marker);
    const rows = (await notificationsAbout(conversationId)).filter((n) => n.body?.includes(marker));
    expect(rows.filter((n) => n.user_id === quiet.member.userId).map((n) => n.event)).toEqual(['NEW_MESSAGE']);
    expect(rows.filter((n) => n.user_id === focused.member.userId).map((n) => n.event)).toEqual(['MENTION']);
  });

  it('are refused in a reply to the customer and for anyone outside the workspace, and nothing is posted', async () => {
    const org = await ownerWithWebsiteChat();
    const mira = await addMember(org.client, 'AGENT');
    const elsewhere = await ownerWithWebsiteChat();
    const conversationId = await conversationWith(org);
    const cases: [Record<string, unknown>, string][] = [
      [{ content: 'Hi there', mentions: [mira.member.userId] }, 'Only an internal note can mention teammates'],
      [
        { content: 'note', isNote: true, mentions: [elsewhere.user.id] },
        'Only active members of this workspace can be mentioned',
      ],
      [{ content: 'note', isNote: true, mentions: ['x'.repeat(200)] }, ''],
      [{ content: 'note', isNote: true, mentions: Array.from({ length: 21 }, (_, i) => `u${i}`) }, ''],
    ];
    for (const [body, message] of cases) {
      const res = await org.client.post(`/api/conversations/${conversationId}/messages`, { conversationId, ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(Object.keys(res.body.error.fields)[0]).toMatch(/^mentions/);
      if (message) expect(res.body.error.fields.mentions).toEqual([message]);
    }
    const messages = await org.client.get(`/api/conversations/${conversationId}/messages`);
    expect(messages.body.data.items.map((m: { content: string }) => m.content)).toEqual(['My parcel never arrived']);
  });

  it('integrations cannot subscribe to mentions (they are personal)', async () => {
    const org = await ownerWithWebsiteChat();
    const res = await org.client.post('/api/notifications/integrations', {
      type: 'WEBHOOK',
      name: 'Ops',
      url: 'https://hooks.example.com/helpstack',
      events: ['MENTION'],
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields)).toEqual(['events.0']);
  });
});
