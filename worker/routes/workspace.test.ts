// The agent's workspace backend: labels, saved replies, saved views and tab counts, bulk changes, snooze and its
// wake-up, auto-assignment on reply, and editing a draft before approving it.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { addMember, type Client, ownerWithWebsiteChat } from '../../test/client';
import { appendOutbound, receiveInbound } from '../conversations/pipeline';
import { createDb } from '../db/client';
import { wakeSnoozedConversations } from '../snoozes/snoozes';

async function inbound(org: { organizationId: string; channelId: string }, from: string, content = 'Hello') {
  const result = await receiveInbound(env, {
    organizationId: org.organizationId,
    channelId: org.channelId,
    externalContactId: from,
    content,
    contact: { name: from },
  });
  return result.conversation.id as string;
}

const ids = async (client: Client, query: string) =>
  (await client.get(`/api/conversations?${query}`)).body.data.items.map((c: { id: string }) => c.id).sort();

describe('labels', () => {
  it('admins define coloured labels; agents put them on conversations, which then filter by label', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    const a = await inbound(org, 'ann');
    const b = await inbound(org, 'bob');
    const vip = await org.client.post('/api/labels', { name: 'VIP', color: '#D4A017' });
    expect(vip.status).toBe(201);
    expect(vip.body.data).toMatchObject({ name: 'VIP', color: '#d4a017' });

    // Agents use labels but do not define them.
    expect((await agent.client.post('/api/labels', { name: 'Mine', color: '#000000' })).status).toBe(403);
    const applied = await agent.client.post('/api/labels/apply', { labelId: vip.body.data.id, conversationIds: [a] });
    expect(applied.body.data).toEqual({ updated: 1 });
    expect(await ids(org.client, `labelId=${vip.body.data.id}`)).toEqual([a]);
    const on = await org.client.get(`/api/labels/conversations?ids=${a},${b}`);
    expect(on.body.data).toEqual({ [a]: [vip.body.data.id], [b]: [] });

    await agent.client.post('/api/labels/apply', { labelId: vip.body.data.id, conversationIds: [a], remove: true });
    expect(await ids(org.client, `labelId=${vip.body.data.id}`)).toEqual([]);
  });

  it('refuses bad names, colours, duplicates and foreign conversations with plain field errors', async () => {
    const org = await ownerWithWebsiteChat();
    const other = await ownerWithWebsiteChat();
    const foreign = await inbound(other, 'zed');
    const bad = await org.client.post('/api/labels', { name: 'x'.repeat(41), color: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.name).toEqual(['A label name is at most 40 characters']);
    expect(bad.body.error.fields.color).toEqual(['Pick a colour as #rrggbb, for example #2f80ed']);
    const label = (await org.client.post('/api/labels', { name: 'Refund', color: '#ff0000' })).body.data;
    const dup = await org.client.post('/api/labels', { name: 'Refund', color: '#00ff00' });
    expect(dup.body.error.fields.name).toEqual(['There is already a label with this name']);
    const cross = await org.client.post('/api/labels/apply', { labelId: label.id, conversationIds: [foreign] });
    expect(cross.status).toBe(400);
    expect(cross.body.error.fields.conversationIds?.[0]).toMatch(/No conversation/);
    expect((await other.client.get(`/api/labels/conversations?ids=${foreign}`)).body.data).toEqual({ [foreign]: [] });
  });
});

describe('saved replies', () => {
  it('ADMIN manages them, AGENT reads them; unknown placeholders and duplicate shortcuts are refused', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    const created = await org.client.post('/api/saved-replies', {
      shortcut: 'Thanks',
      content: 'Thanks {{contact.firstName}}, {{agent.name}} here.',
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ shortcut: 'thanks' });
    const unknown = await org.client.post('/api/saved-replies', { shortcut: 'x', content: 'Hi {{customer}}' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.fields.content?.[0]).toMatch(/^\{\{customer\}\} is not a placeholder we can fill in/);
    const dup = await org.client.post('/api/saved-replies', { shortcut: 'thanks', content: 'Again' });
    expect(dup.body.error.fields.shortcut).toEqual(['Another saved reply already uses this shortcut']);
    const spaced = await org.client.post('/api/saved-replies', { shortcut: 'two words', content: 'x' });
    expect(spaced.body.error.fields.shortcut?.[0]).toMatch(/one word/);

    expect(
      (await agent.client.get('/api/saved-replies')).body.data.map((r: { shortcut: string }) => r.shortcut),
    ).toEqual(['thanks']);
    const id = created.body.data.id;
    expect((await agent.client.patch(`/api/saved-replies/${id}`, { content: 'Changed' })).status).toBe(403);
    expect((await agent.client.delete(`/api/saved-replies/${id}`)).status).toBe(403);
    const patched = await org.client.patch(`/api/saved-replies/${id}`, { content: 'Cheers!' });
    expect(patched.body.data.content).toBe('Cheers!');
    expect((await org.client.delete(`/api/saved-replies/${id}`)).body.data).toEqual({ id, deleted: true });
    expect((await agent.client.get('/api/saved-replies')).body.data).toEqual([]);
  });
});

describe('views, tab counts and bulk changes', () => {
  it('counts Mine / Unassigned / All, saves a view per member, and bulk-resolves and assigns', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    const viewer = await addMember(org.client, 'VIEWER');
    const [a, b, c] = [await inbound(org, 'ann'), await inbound(org, 'bob'), await inbound(org, 'cat')];

    const assigned = await org.client.post('/api/conversations/bulk-update', {
      conversationIds: [a, b],
      assignedToId: agent.member.userId,
    });
    expect(assigned.body.data).toEqual({ updated: 2 });
    expect((await agent.client.get('/api/views/counts?status=OPEN')).body.data).toEqual({
      mine: 2,
      unassigned: 1,
      all: 3,
    });
    const toViewer = await org.client.post('/api/conversations/bulk-update', {
      conversationIds: [c],
      assignedToId: viewer.member.userId,
    });
    expect(toViewer.body.error.fields.assignedToId).toEqual(['Assign conversations to an active member who can reply']);

    const resolved = await agent.client.post('/api/conversations/bulk-update', {
      conversationIds: [a, b, c],
      status: 'CLOSED',
    });
    expect(resolved.status).toBe(200);
    expect(await ids(org.client, 'status=CLOSED')).toEqual([a, b, c].sort());
    expect(
      (await viewer.client.post('/api/conversations/bulk-update', { conversationIds: [a], read: true })).status,
    ).toBe(403);

    const view = await agent.client.post('/api/views', { name: 'Resolved chats', filters: { status: 'CLOSED' } });
    expect(view.status).toBe(201);
    expect((await agent.client.get('/api/views')).body.data).toEqual([
      { id: view.body.data.id, name: 'Resolved chats', filters: { status: 'CLOSED' } },
    ]);
    expect((await org.client.get('/api/views')).body.data).toEqual([]);
    const humans = await agent.client.post('/api/views', {
      name: 'Unassigned humans',
      filters: { automationState: 'HUMAN', unassignedHumans: 'true' },
    });
    expect(humans.status).toBe(201);
    expect(humans.body.data.filters).toEqual({ automationState: 'HUMAN', unassignedHumans: 'true' });
    const bad = await agent.client.post('/api/views', { name: '', filters: { page: '2' } });
    expect(bad.body.error.fields).toEqual({
      name: ['Give the view a name'],
      filters: ['Only inbox filters can be saved in a view'],
    });
  });
});

describe('snooze', () => {
  it('snoozes a conversation (PENDING) and the cron sets it back to OPEN when due, then forgets it', async () => {
    const org = await ownerWithWebsiteChat();
    const id = await inbound(org, 'ann');
    const until = new Date(Date.now() + 60 * 60_000).toISOString();
    const snoozed = await org.client.post(`/api/conversations/${id}/snooze`, { until });
    expect(snoozed.status).toBe(200);
    expect(snoozed.body.data.conversation.status).toBe('PENDING');
    expect((await org.client.get('/api/views/snoozes')).body.data).toMatchObject([{ conversationId: id, until }]);

    const db = createDb(env.DB);
    expect(await wakeSnoozedConversations(env, db, Date.now())).toBe(0);
    expect((await org.client.get(`/api/conversations/${id}`)).body.data.status).toBe('PENDING');
    expect(await wakeSnoozedConversations(env, db, Date.now() + 2 * 60 * 60_000)).toBe(1);
    expect((await org.client.get(`/api/conversations/${id}`)).body.data.status).toBe('OPEN');
    expect((await org.client.get('/api/views/snoozes')).body.data).toEqual([]);
  });

  it('refuses a time in the past or beyond a year, and a resolved conversation', async () => {
    const org = await ownerWithWebsiteChat();
    const id = await inbound(org, 'ann');
    const past = await org.client.post(`/api/conversations/${id}/snooze`, { until: '2020-01-01T00:00:00Z' });
    expect(past.body.error.fields.until).toEqual(['Choose a time at least a minute from now']);
    const far = new Date(Date.now() + 400 * 24 * 60 * 60_000).toISOString();
    expect((await org.client.post(`/api/conversations/${id}/snooze`, { until: far })).body.error.fields.until).toEqual([
      'Snooze for at most a year',
    ]);
    const junk = await org.client.post(`/api/conversations/${id}/snooze`, { until: 'tomorrow' });
    expect(junk.body.error.fields.until).toEqual(['Choose a date and time']);
    await org.client.patch(`/api/conversations/${id}`, { status: 'CLOSED' });
    const soon = new Date(Date.now() + 60 * 60_000).toISOString();
    const closed = await org.client.post(`/api/conversations/${id}/snooze`, { until: soon });
    expect(closed.body.error.fields.until).toEqual(['Reopen a resolved conversation before snoozing it']);
    expect((await org.client.get('/api/views/snoozes')).body.data).toEqual([]);
  });
});

describe('replying and drafts', () => {
  it('a reply assigns an unassigned conversation to the replier; a note does not', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    const noted = await inbound(org, 'ann');
    await agent.client.post(`/api/conversations/${noted}/messages`, {
      conversationId: noted,
      content: 'Checking',
      isNote: true,
    });
    expect((await org.client.get(`/api/conversations/${noted}`)).body.data.assignedToId).toBeNull();
    await agent.client.post(`/api/conversations/${noted}/messages`, { conversationId: noted, content: 'Hi!' });
    expect((await org.client.get(`/api/conversations/${noted}`)).body.data.assignedToId).toBe(agent.member.userId);
    // Already assigned: another member's reply leaves it with its assignee.
    await org.client.post(`/api/conversations/${noted}/messages`, { conversationId: noted, content: 'Me too' });
    expect((await org.client.get(`/api/conversations/${noted}`)).body.data.assignedToId).toBe(agent.member.userId);
  });

  it('approving with edited content sends the edit and keeps the AI draft in originalContent', async () => {
    const org = await ownerWithWebsiteChat();
    const id = await inbound(org, 'ann', 'Do you ship to Norway?');
    const { message } = await appendOutbound(env, createDb(env.DB), {
      organizationId: org.organizationId,
      conversationId: id,
      senderType: 'AI',
      content: 'Yes we ship to Norway.',
      approvalStatus: 'PENDING',
    });
    // A draft nobody approved yet is not what was last said: the list keeps the customer's message.
    const preview = async () =>
      (await org.client.get(`/api/conversations?search=Norway`)).body.data.items.find(
        (c: { id: string }) => c.id === id,
      )?.lastMessagePreview;
    expect(await preview()).toBe('Do you ship to Norway?');
    const empty = await org.client.post(`/api/messages/${message.id}/approve`, { content: '   ' });
    expect(empty.body.error.fields.content).toEqual(['The reply cannot be empty']);
    const approved = await org.client.post(`/api/messages/${message.id}/approve`, {
      content: 'Yes, we ship to Norway in 3 days.',
    });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({
      content: 'Yes, we ship to Norway in 3 days.',
      originalContent: 'Yes we ship to Norway.',
      approvalStatus: 'APPROVED',
    });
    expect(await preview()).toBe('Yes, we ship to Norway in 3 days.');
    const again = await org.client.post(`/api/messages/${message.id}/approve`, { content: 'Changed my mind' });
    expect(again.status).toBe(400);
    expect(again.body.error.fields.approvalStatus).toEqual([
      'Only a message waiting for approval can be approved or rejected',
    ]);
  });
});
