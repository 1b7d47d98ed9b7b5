import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ownerWithWebsiteChat } from '../../test/client';
import worker from '..';
import type { ConversationActor } from '../conversations/actor';
import { upsertContact } from '../conversations/intake';
import { receiveInbound } from '../conversations/pipeline';
import { projectionStatements } from '../conversations/projection';
import { conversationActor } from '../conversations/refs';
import { createDb } from '../db/client';
import { channels, conversationHandoffs } from '../db/schema';
import type { Job } from '../jobs/types';
import { fanOut, fanOutBatch, type Subscriber } from './fan-out';
import { subscribers } from './subscribers';
import type { DomainEvent } from './types';

const queue = worker.queue as ExportedHandlerQueueHandler<Cloudflare.Env, Job>;
const db = createDb(env.DB);

/** The real env with a JOBS queue that records what would be sent. */
function recordingEnv() {
  const sent: Job[] = [];
  const jobs = { send: async (job: Job) => void sent.push(job) } as unknown as Queue;
  return { env: { ...env, JOBS: jobs }, sent };
}

/** Records the jobs the actor of the visitor's next conversation hands over, and whether D1 had the message then. */
async function recordActorJobs(channel: { organizationId: string; channelId: string }, visitorId: string) {
  const contact = await upsertContact(db, { id: channel.channelId, ...channel }, visitorId);
  const sent: { job: Job; inD1: boolean }[] = [];
  await runInDurableObject(
    conversationActor(env, contact.nextConversationId) as DurableObjectStub<ConversationActor>,
    (actor: ConversationActor) => {
      // Stands in for the hub: writes the drain's rows, then records its jobs instead of sending them.
      actor.commitDrain = async (_organizationId, drain) => {
        const rows = projectionStatements(env.DB, drain.entries);
        if (rows.length) await env.DB.batch(rows);
        for (const job of drain.jobs) {
          const messageId = job.kind === 'event' && 'messageId' in job.event ? job.event.messageId : null;
          const row = messageId
            ? await env.DB.prepare('SELECT 1 FROM messages WHERE id = ?').bind(messageId).first()
            : null;
          sent.push({ job, inD1: messageId ? row !== null : true });
        }
      };
    },
  );
  return sent;
}

const eventsOf = (sent: { job: Job }[]) => sent.flatMap(({ job }) => (job.kind === 'event' ? [job.event] : []));

describe('domain events', () => {
  it('are committed with the message: opened + accepted once, sent after D1 has the rows, none for a retry', async () => {
    const chat = await ownerWithWebsiteChat();
    const sent = await recordActorJobs(chat, 'v');
    const inbound = { ...chat, externalContactId: 'v', externalMessageId: 'c-1', content: 'hi' };
    const first = await receiveInbound(env, inbound);
    const retried = await receiveInbound(env, inbound);
    expect(retried.duplicate).toBe(true);
    expect(sent.every((s) => s.inD1)).toBe(true);
    const events = eventsOf(sent);
    expect(events.map((e) => e.type)).toEqual(['conversation.opened', 'message.accepted']);
    expect(events[1]).toMatchObject({
      organizationId: chat.organizationId,
      conversationId: first.conversation.id,
      messageId: first.message.id,
      channelId: chat.channelId,
      actor: { type: 'CONTACT', id: first.message.senderId },
    });
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
  });

  it('name who changed a conversation: assignment and status changes carry the member', async () => {
    const chat = await ownerWithWebsiteChat();
    const sent = await recordActorJobs(chat, 'w');
    const { conversation } = await receiveInbound(env, { ...chat, externalContactId: 'w', content: 'hello' });
    const res = await chat.client.patch(`/api/conversations/${conversation.id}`, {
      status: 'CLOSED',
      assignedToId: chat.user.id,
    });
    expect(res.status).toBe(200);
    const changes = eventsOf(sent).filter(
      (e) => e.type.startsWith('conversation.') && e.type !== 'conversation.opened',
    );
    expect(changes).toEqual([
      expect.objectContaining({
        type: 'conversation.status_changed',
        from: 'OPEN',
        to: 'CLOSED',
        actor: { type: 'USER', id: chat.user.id },
      }),
      expect.objectContaining({ type: 'conversation.assigned', assignedToId: chat.user.id, previousAssigneeId: null }),
    ]);
  });
});

function accepted(
  chat: { organizationId: string; channelId: string },
  ids: { conversationId: string; messageId: string },
): DomainEvent {
  return {
    id: crypto.randomUUID(),
    type: 'message.accepted',
    first: true,
    organizationId: chat.organizationId,
    channelId: chat.channelId,
    ...ids,
    occurredAt: Date.now(),
    actor: { type: 'CONTACT' },
  };
}

describe('a reply held for translation', () => {
  it('carries its translation request in the commit that stores it, so no crash can leave it stuck PENDING', async () => {
    const chat = await ownerWithWebsiteChat({ autoTranslate: true, defaultLanguage: 'en' });
    const sent = await recordActorJobs(chat, 'greta');
    const { conversation } = await receiveInbound(env, {
      ...chat,
      externalContactId: 'greta',
      content: 'Wo ist mein Paket?',
      contact: { name: 'Greta', language: 'de' },
    });
    const reply = await chat.client.post(`/api/conversations/${conversation.id}/messages`, {
      conversationId: conversation.id,
      content: 'It left our warehouse today.',
    });
    expect(reply.status).toBe(201);
    expect(reply.body.data.approvalStatus).toBe('PENDING');
    const posted = eventsOf(sent).find((e) => e.type === 'message.posted');
    expect(posted).toMatchObject({
      messageId: reply.body.data.id,
      awaitingTranslation: true,
      approvalStatus: 'PENDING',
    });

    // Whenever the event is delivered (again), the translation subscriber asks for the translation.
    const followUps = recordingEnv();
    await fanOut(followUps.env, db, subscribers, posted!);
    expect(followUps.sent).toEqual([
      {
        kind: 'message.translate',
        organizationId: chat.organizationId,
        conversationId: conversation.id,
        messageId: reply.body.data.id,
      },
    ]);
  });
});

describe('the subscriber fan-out', () => {
  it('asks for an AI reply only when the channel auto-replies, and a redelivered event asks once', async () => {
    const auto = await ownerWithWebsiteChat({ autoReply: true });
    const manual = await ownerWithWebsiteChat({ autoReply: false });
    const a = await receiveInbound(env, { ...auto, externalContactId: 'v', content: 'hi' });
    const m = await receiveInbound(env, { ...manual, externalContactId: 'v', content: 'hi' });
    const onAuto = accepted(auto, { conversationId: a.conversation.id, messageId: a.message.id });
    const onManual = accepted(manual, { conversationId: m.conversation.id, messageId: m.message.id });

    const followUps = recordingEnv();
    await fanOut(followUps.env, db, subscribers, onAuto);
    await fanOut(followUps.env, db, subscribers, onAuto);
    await fanOut(followUps.env, db, subscribers, onManual);
    expect(followUps.sent.filter((job) => job.kind === 'ai.reply')).toEqual([
      {
        kind: 'ai.reply',
        organizationId: auto.organizationId,
        conversationId: a.conversation.id,
        messageId: a.message.id,
      },
    ]);

    // Once the AI handed the conversation to a human, a further question asks for no AI reply until handed back.
    await db.insert(conversationHandoffs).values({
      conversationId: a.conversation.id,
      organizationId: auto.organizationId,
      reason: 'The AI could not answer from the knowledge base',
    });
    const again = await receiveInbound(env, { ...auto, externalContactId: 'v', content: 'Anyone there?' });
    const later = recordingEnv();
    await fanOut(
      later.env,
      db,
      subscribers,
      accepted(auto, { conversationId: a.conversation.id, messageId: again.message.id }),
    );
    expect(later.sent.filter((job) => job.kind === 'ai.reply')).toEqual([]);
  });

  it('retries only the subscriber that failed; the one that succeeded does not act twice', async () => {
    const runs: string[] = [];
    let failures = 1;
    const test: Subscriber[] = [
      { name: 'steady', on: ['message.accepted'], run: async () => void runs.push('steady') },
      {
        name: 'flaky',
        on: ['message.accepted'],
        run: async () => {
          runs.push('flaky');
          if (failures-- > 0) throw new Error('provider down');
        },
      },
      { name: 'elsewhere', on: ['message.posted'], run: async () => void runs.push('elsewhere') },
    ];
    const chat = await ownerWithWebsiteChat();
    const event = accepted(chat, { conversationId: 'c', messageId: 'm' });
    await expect(fanOut(env, db, test, event)).rejects.toThrow(/flaky: provider down/);
    await fanOut(env, db, test, event);
    await fanOut(env, db, test, event);
    expect(runs).toEqual(['steady', 'flaky', 'flaky']);
    const rows = await env.DB.prepare(
      'SELECT subscriber, status FROM event_runs WHERE event_id = ? ORDER BY subscriber',
    )
      .bind(event.id)
      .all();
    expect(rows.results).toEqual([
      { subscriber: 'flaky', status: 'DONE' },
      { subscriber: 'steady', status: 'DONE' },
    ]);
  });

  it('does not run a subscriber that another worker is still running (the queue redelivers later)', async () => {
    const chat = await ownerWithWebsiteChat();
    const event = accepted(chat, { conversationId: 'c', messageId: 'm' });
    await env.DB.prepare(
      "INSERT INTO event_runs (subscriber, event_id, organization_id, status, claimed_at) VALUES ('slow', ?, ?, 'RUNNING', ?)",
    )
      .bind(event.id, chat.organizationId, Date.now())
      .run();
    const runs: string[] = [];
    const slow: Subscriber = { name: 'slow', on: ['message.accepted'], run: async () => void runs.push('slow') };
    await expect(fanOut(env, db, [slow], event)).rejects.toThrow(/still running elsewhere/);
    expect(runs).toEqual([]);
  });
});

const runsOf = async (eventId: string) =>
  (
    await env.DB.prepare('SELECT subscriber, status FROM event_runs WHERE event_id = ? ORDER BY subscriber')
      .bind(eventId)
      .all<{ subscriber: string; status: string }>()
  ).results;

describe('a batch of domain events', () => {
  it('claims no run for a subscriber with nothing to do: no AI reply without auto-reply, no DM flow off TikTok', async () => {
    const manual = await ownerWithWebsiteChat({ autoReply: false });
    const m = await receiveInbound(env, { ...manual, externalContactId: 'v', content: 'hi' });
    const event = accepted(manual, { conversationId: m.conversation.id, messageId: m.message.id });
    await fanOut(recordingEnv().env, db, subscribers, event);
    expect(await runsOf(event.id)).toEqual([
      { subscriber: 'analytics', status: 'DONE' },
      { subscriber: 'notifications', status: 'DONE' },
      { subscriber: 'translation', status: 'DONE' },
    ]);
    const auto = await ownerWithWebsiteChat({ autoReply: true });
    const a = await receiveInbound(env, { ...auto, externalContactId: 'v', content: 'hi' });
    const onAuto = accepted(auto, { conversationId: a.conversation.id, messageId: a.message.id });
    await fanOut(recordingEnv().env, db, subscribers, onAuto);
    expect((await runsOf(onAuto.id)).map((run) => run.subscriber)).toContain('ai-replies');

    // The actor settled the language when it stored the message: translation runs only for another language
    // than the agents' (the channel translates), or to apply a fallback language to a message without one.
    const inLanguage = async (language: string | null) => {
      const settled = { ...event, id: crypto.randomUUID(), language };
      await fanOut(recordingEnv().env, db, subscribers, settled);
      return (await runsOf(settled.id)).map((run) => run.subscriber);
    };
    expect(await inLanguage('en')).toEqual(['analytics', 'notifications']);
    expect(await inLanguage(null)).toEqual(['analytics', 'notifications']);
    expect(await inLanguage('de')).toEqual(['analytics', 'notifications']);
    await db.update(channels).set({ autoTranslate: true }).where(eq(channels.id, manual.channelId));
    expect(await inLanguage('de')).toEqual(['analytics', 'notifications', 'translation']);
    expect(await inLanguage('en')).toEqual(['analytics', 'notifications']);
  });

  it('runs the events in order, each once, and retries only the event whose subscriber failed', async () => {
    const chat = await ownerWithWebsiteChat();
    const events = ['m1', 'm2', 'm3'].map((messageId) => accepted(chat, { conversationId: 'c', messageId }));
    const runs: string[] = [];
    let failures = 1;
    const test: Subscriber[] = [
      { name: 'steady', on: ['message.accepted'], run: async (_env, e) => void runs.push(`steady ${e.id}`) },
      {
        name: 'flaky',
        on: ['message.accepted'],
        run: async (_env, e) => {
          runs.push(`flaky ${e.id}`);
          if (e === events[1] && failures-- > 0) throw new Error('provider down');
        },
      },
    ];
    const [first, second, third] = await fanOutBatch(env, db, test, events);
    expect([first, third]).toEqual([null, null]);
    expect(second?.message).toMatch(/flaky: provider down/);
    expect(runs).toEqual(events.flatMap((e) => [`steady ${e.id}`, `flaky ${e.id}`]));
    expect(await runsOf(events[1]!.id)).toEqual([{ subscriber: 'steady', status: 'DONE' }]);
    for (const e of [events[0]!, events[2]!]) {
      expect(await runsOf(e.id)).toEqual([
        { subscriber: 'flaky', status: 'DONE' },
        { subscriber: 'steady', status: 'DONE' },
      ]);
    }

    // The queue redelivers the whole batch: only the failed run runs again.
    runs.length = 0;
    expect(await fanOutBatch(env, db, test, events)).toEqual([null, null, null]);
    expect(runs).toEqual([`flaky ${events[1]!.id}`]);
  });

  it('are acked together by the queue consumer once every subscriber ran', async () => {
    const chat = await ownerWithWebsiteChat();
    const one = await receiveInbound(env, { ...chat, externalContactId: 'v1', content: 'hi' });
    const two = await receiveInbound(env, { ...chat, externalContactId: 'v2', content: 'hello' });
    const events = [one, two].map((r) =>
      accepted(chat, { conversationId: r.conversation.id, messageId: r.message.id }),
    );
    const batch = createMessageBatch<Job>(
      'helpstack-jobs',
      events.map((event, i) => ({ id: `e${i}`, timestamp: new Date(), attempts: 1, body: { kind: 'event', event } })),
    );
    const ctx = createExecutionContext();
    await queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['e0', 'e1']);
    expect(result.retryMessages).toEqual([]);
    for (const event of events) {
      expect((await runsOf(event.id)).map((run) => run.status)).toEqual(['DONE', 'DONE', 'DONE']);
    }
  });
});

describe('the job queue', () => {
  it('retries a failing job and records one that failed for good in failed_jobs', async () => {
    const broken = { kind: 'no.such.job', organizationId: 'o' } as unknown as Job;
    const batch = createMessageBatch<Job>('helpstack-jobs', [
      { id: 'j1', timestamp: new Date(), attempts: 1, body: broken },
    ]);
    const ctx = createExecutionContext();
    await queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['j1']);
    expect(result.explicitAcks).toEqual([]);

    const dead = createMessageBatch<Job>('helpstack-jobs-dlq', [
      { id: 'j1', timestamp: new Date(), attempts: 6, body: broken },
    ]);
    const dlqCtx = createExecutionContext();
    await queue(dead, env, dlqCtx);
    expect((await getQueueResult(dead, dlqCtx)).explicitAcks).toEqual(['j1']);
    const row = await env.DB.prepare("SELECT kind, attempts FROM failed_jobs WHERE kind = 'no.such.job'").first();
    expect(row).toEqual({ kind: 'no.such.job', attempts: 6 });
  });
});
