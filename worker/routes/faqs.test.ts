import { describe, expect, it } from 'vitest';
import { addMember, type Client, signUpOwner } from '../../test/client';

async function createChannel(client: Client, type = 'WEBSITE_CHAT') {
  const credentials = type === 'TELEGRAM' ? { botToken: '1:token-for-tests' } : {};
  const res = await client.post('/api/channels', { type, name: `${type} channel`, credentials });
  return res.body.data.id as string;
}

describe('faqs', () => {
  it('lists org-wide FAQs plus a channel’s own, in position order', async () => {
    const { client } = await signUpOwner();
    const chat = await createChannel(client);
    const otherChat = await createChannel(client);
    const shipping = await client.post('/api/faqs', { question: 'Shipping?', answer: '1–3 days.' });
    expect(shipping.status).toBe(201);
    expect(shipping.body.data).toMatchObject({
      question: 'Shipping?',
      answer: '1–3 days.',
      channelId: null,
      position: 0,
    });
    await client.post('/api/faqs', { question: 'Chat hours?', answer: '9–17.', channelId: chat });
    await client.post('/api/faqs', { question: 'Other site?', answer: 'Elsewhere.', channelId: otherChat });

    const forChat = await client.get(`/api/faqs?channelId=${chat}`);
    expect(forChat.body.data.map((f: { question: string }) => f.question)).toEqual(['Shipping?', 'Chat hours?']);
    const all = await client.get('/api/faqs');
    expect(all.body.data).toHaveLength(3);
  });

  it('enforces the question and answer limits and a WEBSITE_CHAT channel of the organisation', async () => {
    const { client } = await signUpOwner();
    const telegram = await createChannel(client, 'TELEGRAM');
    const foreign = await createChannel((await signUpOwner('Other')).client);

    const tooLong = await client.post('/api/faqs', { question: 'q'.repeat(281), answer: 'a'.repeat(2001) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.fields?.question?.[0]).toMatch(/280/);
    expect(tooLong.body.error.fields?.answer?.[0]).toMatch(/2000/);
    const atLimit = await client.post('/api/faqs', { question: 'q'.repeat(280), answer: 'a'.repeat(2000) });
    expect(atLimit.status).toBe(201);
    const empty = await client.post('/api/faqs', { question: ' ', answer: '' });
    expect(Object.keys(empty.body.error.fields ?? {}).sort()).toEqual(['answer', 'question']);

    for (const channelId of [telegram, foreign]) {
      const res = await client.post('/api/faqs', { question: 'Q', answer: 'A', channelId });
      expect(res.status).toBe(400);
      expect(res.body.error.fields).toHaveProperty('channelId');
    }
    expect((await client.get('/api/faqs')).body.data).toHaveLength(1);
  });

  it('updates and deletes an FAQ; patch limits apply too', async () => {
    const { client } = await signUpOwner();
    const faq = (await client.post('/api/faqs', { question: 'Old?', answer: 'Old.' })).body.data;
    const updated = await client.patch(`/api/faqs/${faq.id}`, { answer: 'New answer.' });
    expect(updated.body.data).toMatchObject({ question: 'Old?', answer: 'New answer.' });
    const bad = await client.patch(`/api/faqs/${faq.id}`, { question: 'x'.repeat(281) });
    expect(bad.status).toBe(400);
    expect((await client.delete(`/api/faqs/${faq.id}`)).body.data).toEqual({ id: faq.id, deleted: true });
    expect((await client.get('/api/faqs')).body.data).toEqual([]);
  });

  it('reorders FAQs in the given order', async () => {
    const { client } = await signUpOwner();
    const ids: string[] = [];
    for (const q of ['One?', 'Two?', 'Three?'])
      ids.push((await client.post('/api/faqs', { question: q, answer: 'A' })).body.data.id);
    const res = await client.post('/api/faqs/reorder', { ids: [ids[2], ids[0], ids[1]] });
    expect(res.status).toBe(200);
    expect(res.body.data.map((f: { question: string; position: number }) => [f.question, f.position])).toEqual([
      ['Three?', 0],
      ['One?', 1],
      ['Two?', 2],
    ]);
  });

  it('lets only admins change FAQs; agents and viewers read them', async () => {
    const { client } = await signUpOwner();
    const faq = (await client.post('/api/faqs', { question: 'Q?', answer: 'A.' })).body.data;
    for (const role of ['AGENT', 'VIEWER'] as const) {
      const member = await addMember(client, role);
      expect((await member.client.get('/api/faqs')).body.data).toHaveLength(1);
      expect((await member.client.post('/api/faqs', { question: 'Q', answer: 'A' })).status).toBe(403);
      expect((await member.client.patch(`/api/faqs/${faq.id}`, { answer: 'Changed' })).status).toBe(403);
      expect((await member.client.delete(`/api/faqs/${faq.id}`)).status).toBe(403);
      expect((await member.client.post('/api/faqs/reorder', { ids: [faq.id] })).status).toBe(403);
    }
    expect((await client.get('/api/faqs')).body.data[0].answer).toBe('A.');
  });

  it("answers 404 for another organisation's FAQ or channel", async () => {
    const owner = await signUpOwner();
    const intruder = await signUpOwner('Intruder');
    const faq = (await owner.client.post('/api/faqs', { question: 'Q?', answer: 'A.' })).body.data;
    const chat = await createChannel(owner.client);
    expect((await intruder.client.patch(`/api/faqs/${faq.id}`, { answer: 'Mine' })).status).toBe(404);
    expect((await intruder.client.delete(`/api/faqs/${faq.id}`)).status).toBe(404);
    expect((await intruder.client.post('/api/faqs/reorder', { ids: [faq.id] })).status).toBe(404);
    expect((await intruder.client.get(`/api/faqs?channelId=${chat}`)).status).toBe(404);
    expect((await owner.client.get('/api/faqs')).body.data[0].answer).toBe('A.');
  });
});
