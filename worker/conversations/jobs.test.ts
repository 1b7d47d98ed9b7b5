import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ownerWithWebsiteChat } from '../../test/client';
import worker from '../index';

const queue = worker.queue as ExportedHandlerQueueHandler<Cloudflare.Env, Job>;

import type { Job } from '../jobs/types';
import { onMessageAccepted, postOutbound, receiveInbound } from './pipeline';

/** The real env with a JOBS queue that records what would be sent. */
function recordingEnv() {
  const sent: Job[] = [];
  const jobs = { send: async (job: Job) => void sent.push(job) } as unknown as Queue;
  return { env: { ...env, JOBS: jobs }, sent };
}

describe('message.accepted', () => {
  it('asks for an AI reply only when the channel auto-replies, and only until one was given', async () => {
    const auto = await ownerWithWebsiteChat({ autoReply: true });
    const manual = await ownerWithWebsiteChat({ autoReply: false });
    const recorder = recordingEnv();
    const a = await receiveInbound(recorder.env, { ...auto, externalContactId: 'v', content: 'hi' });
    await receiveInbound(recorder.env, { ...manual, externalContactId: 'v', content: 'hi' });
    expect(recorder.sent.map((j) => j.kind)).toEqual(['message.accepted', 'message.accepted']);

    const followUps = recordingEnv();
    for (const job of recorder.sent)
      await onMessageAccepted(followUps.env, job as Extract<Job, { kind: 'message.accepted' }>);
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
    await onMessageAccepted(redelivered.env, recorder.sent[0] as Extract<Job, { kind: 'message.accepted' }>);
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
