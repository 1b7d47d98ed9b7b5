import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ownerWithWebsiteChat } from '../../test/client';
import worker from '..';
import { createDb } from '../db/client';
import type { Job } from '../jobs/types';
import type { ConversationActor } from './actor';
import { conversationActor, onMessageAccepted, postOutbound, receiveInbound, upsertContact } from './pipeline';

const queue = worker.queue as ExportedHandlerQueueHandler<Cloudflare.Env, Job>;

/** The real env with a JOBS queue that records what would be sent. */
function recordingEnv() {
  const sent: Job[] = [];
  const jobs = { send: async (job: Job) => void sent.push(job) } as unknown as Queue;
  return { env: { ...env, JOBS: jobs }, sent };
}

/** Records the jobs the actor of the visitor's next conversation sends once its rows are in D1. */
async function recordActorJobs(channel: { organizationId: string; channelId: string }, visitorId: string) {
  const contact = await upsertContact(createDb(env.DB), { id: channel.channelId, ...channel }, visitorId);
  const sent: { job: Job; inD1: boolean }[] = [];
  await runInDurableObject(
    conversationActor(env, contact.nextConversationId) as DurableObjectStub<ConversationActor>,
    (actor: ConversationActor) => {
      actor.sendJobs = async (jobs) => {
        for (const job of jobs) {
          const row =
            'messageId' in job
              ? await env.DB.prepare('SELECT 1 FROM messages WHERE id = ?').bind(job.messageId).first()
              : null;
          sent.push({ job, inD1: row !== null });
        }
      };
    },
  );
  return sent;
}

describe('message.accepted', () => {
  it('is queued by the actor with each new inbound message, once, after D1 has the message', async () => {
    const chat = await ownerWithWebsiteChat();
    const sent = await recordActorJobs(chat, 'v');
    const inbound = { ...chat, externalContactId: 'v', externalMessageId: 'c-1', content: 'hi' };
    const first = await receiveInbound(env, inbound);
    const retried = await receiveInbound(env, inbound);
    expect(retried.duplicate).toBe(true);
    expect(sent).toEqual([
      {
        job: {
          kind: 'message.accepted',
          organizationId: chat.organizationId,
          conversationId: first.conversation.id,
          messageId: first.message.id,
        },
        inD1: true,
      },
    ]);
  });

  it('asks for an AI reply only when the channel auto-replies, and only until one was given', async () => {
    const auto = await ownerWithWebsiteChat({ autoReply: true });
    const manual = await ownerWithWebsiteChat({ autoReply: false });
    const a = await receiveInbound(env, { ...auto, externalContactId: 'v', content: 'hi' });
    const m = await receiveInbound(env, { ...manual, externalContactId: 'v', content: 'hi' });
    const accepted = (r: typeof a, org: string) =>
      ({
        kind: 'message.accepted',
        organizationId: org,
        conversationId: r.conversation.id,
        messageId: r.message.id,
      }) as const;

    const followUps = recordingEnv();
    await onMessageAccepted(followUps.env, accepted(a, auto.organizationId));
    await onMessageAccepted(followUps.env, accepted(m, manual.organizationId));
    expect(followUps.sent).toEqual([
      {
        kind: 'ai.reply',
        organizationId: auto.organizationId,
        conversationId: a.conversation.id,
        messageId: a.message.id,
      },
    ]);

    await postOutbound(env, {
      organizationId: auto.organizationId,
      conversationId: a.conversation.id,
      senderType: 'AI',
      content: 'answer',
    });
    const redelivered = recordingEnv();
    await onMessageAccepted(redelivered.env, accepted(a, auto.organizationId));
    expect(redelivered.sent).toEqual([]);
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
