import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addMember, ownerWithWebsiteChat } from '../../test/client';
import { DONT_KNOW_REPLY, ensureBuiltinProvider } from '../ai/providers/builtin';
import { receiveInbound } from '../conversations/pipeline';
import { createDb } from '../db/client';
import { conversationHandoffs, messages, notifications } from '../db/schema';
import { runAutoReply } from './ai-replies';
import { needsHuman } from './needs-human';

const db = createDb(env.DB);

async function ask(organizationId: string, channelId: string, content: string) {
  const { message, conversation } = await receiveInbound(env, {
    organizationId,
    channelId,
    externalContactId: 'visitor-nh',
    externalMessageId: crypto.randomUUID(),
    content,
  });
  await runAutoReply(env, { kind: 'ai.reply', organizationId, conversationId: conversation.id, messageId: message.id });
  return conversation.id;
}

const aiReplies = (conversationId: string) =>
  db
    .select({ content: messages.content })
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.senderType, 'AI')));

describe('needs a human', () => {
  it('when the AI cannot answer it says so once, flags the conversation for the inbox, then stays silent', async () => {
    const org = await ownerWithWebsiteChat({ autoReply: true, autoApprove: true });
    await ensureBuiltinProvider(db, org.organizationId);
    const conversationId = await ask(org.organizationId, org.channelId, 'Can you repair my bicycle?');
    expect(await aiReplies(conversationId)).toEqual([{ content: DONT_KNOW_REPLY }]);
    expect(await needsHuman(db, org.organizationId, conversationId)).toBe(true);

    await ask(org.organizationId, org.channelId, 'Hello? Anyone?');
    expect(await aiReplies(conversationId)).toHaveLength(1);

    const flagged = await org.client.get('/api/conversations?needsHuman=true');
    expect(flagged.body.data.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    const rest = await org.client.get('/api/conversations?needsHuman=false');
    expect(rest.body.data.items).toEqual([]);
    const bad = await org.client.get('/api/conversations?needsHuman=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.needsHuman).toEqual(['needsHuman must be true or false']);

    // A teammate answers: the flag clears (the needs-human subscriber hears the agent's message.posted).
    const reply = await org.client.post(`/api/conversations/${conversationId}/messages`, {
      conversationId,
      content: 'I can help with that.',
    });
    expect(reply.status).toBe(201);
    for (let i = 0; i < 50 && (await needsHuman(db, org.organizationId, conversationId)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(
      await db.select().from(conversationHandoffs).where(eq(conversationHandoffs.conversationId, conversationId)),
    ).toEqual([]);
  });

  it('tells the team once that a conversation needs a human, by each member’s preferences', async () => {
    const org = await ownerWithWebsiteChat({ autoReply: true, autoApprove: true });
    await ensureBuiltinProvider(db, org.organizationId);
    const agent = await addMember(org.client, 'AGENT');
    const quiet = await addMember(org.client, 'AGENT');
    // The quiet teammate turned handoff notifications off everywhere.
    const off = await quiet.client.put('/api/notifications/preferences', {
      matrix: { NEEDS_HUMAN: { IN_APP: false, EMAIL: false, PUSH: false } },
    });
    expect(off.status).toBe(200);

    const { message, conversation } = await receiveInbound(env, {
      organizationId: org.organizationId,
      channelId: org.channelId,
      externalContactId: 'visitor-handoff',
      externalMessageId: crypto.randomUUID(),
      content: 'Can   you repair my bicycle?',
      contact: { name: 'Vic' },
    });
    const job = {
      kind: 'ai.reply' as const,
      organizationId: org.organizationId,
      conversationId: conversation.id,
      messageId: message.id,
    };
    await runAutoReply(env, job);
    // The job runs again (a redelivery): nobody is told twice.
    await runAutoReply(env, job);

    const told = await db
      .select({
        userId: notifications.userId,
        event: notifications.event,
        title: notifications.title,
        body: notifications.body,
        inApp: notifications.inApp,
      })
      .from(notifications)
      .where(and(eq(notifications.conversationId, conversation.id), eq(notifications.event, 'NEEDS_HUMAN')));
    const expected = { event: 'NEEDS_HUMAN', title: 'Vic needs a human: the AI could not answer', inApp: true };
    expect(told.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual(
      [org.user.id, agent.member.userId]
        .sort()
        .map((userId) => ({ userId, ...expected, body: 'Can you repair my bicycle?' })),
    );
    // It reaches the member's notification centre.
    const centre = await agent.client.get('/api/notifications');
    expect(centre.body.data.items.map((n: { event: string; title: string }) => [n.event, n.title])).toContainEqual([
      'NEEDS_HUMAN',
      expected.title,
    ]);
  });
});
