import { describe, expect, it } from 'vitest';
import { Client, ownerWithWebsiteChat } from '../../test/client';
import { ID_MAX_LENGTH } from './validate';

const LONG = 'x'.repeat(ID_MAX_LENGTH + 1);
const HUGE = 'y'.repeat(10 * 1024 * 1024);
const tooLong = (name: string) => [`${name} must be at most ${ID_MAX_LENGTH} characters`];

describe('every id has a maximum length, checked before any query', () => {
  it('refuses an over-long :id in every resource path with 400 VALIDATION_ERROR on `id`', async () => {
    const { client } = await ownerWithWebsiteChat();
    const calls: [string, string][] = [
      ['GET', `/api/conversations/${LONG}`],
      ['PATCH', `/api/conversations/${LONG}`],
      ['GET', `/api/conversations/${LONG}/messages`],
      ['POST', `/api/conversations/${LONG}/read`],
      ['POST', `/api/conversations/${LONG}/enhance`],
      ['POST', `/api/messages/${LONG}/approve`],
      ['POST', `/api/messages/${LONG}/generate-reply`],
      ['GET', `/api/channels/${LONG}`],
      ['GET', `/api/channels/${LONG}/widget-config`],
      ['GET', `/api/channels/${LONG}/agent-tools`],
      ['DELETE', `/api/faqs/${LONG}`],
      ['GET', `/api/team/members/${LONG}`],
      ['DELETE', `/api/team/invitations/${LONG}`],
      ['PATCH', `/api/ai-providers/${LONG}`],
      ['GET', `/api/agent-tools/${LONG}`],
      ['GET', `/api/agent-tools/${LONG}/logs`],
      ['GET', `/api/knowledge/groups/${LONG}`],
      ['POST', `/api/knowledge/articles/${LONG}/reprocess`],
      ['GET', `/api/media/${LONG}`],
    ];
    for (const [method, path] of calls) {
      const res = await client.request(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.fields, `${method} ${path}`).toEqual({ id: tooLong('id') });
    }
    const accept = await new Client().post(`/api/team/invitations/${LONG}/accept`, {});
    expect(accept.body.error.fields).toEqual({ token: tooLong('token') });
  });

  it('refuses over-long ids in query strings and bodies, a 10 MB one included, with a 400 naming the field', async () => {
    const { client, channelId } = await ownerWithWebsiteChat();
    const list = await client.get(`/api/conversations?contactId=${LONG}&channelId=${LONG}`);
    expect(list.status).toBe(400);
    expect(list.body.error.fields).toEqual({ channelId: tooLong('channelId'), contactId: tooLong('contactId') });
    const faqs = await client.get(`/api/faqs?channelId=${LONG}`);
    expect(faqs.body.error.fields).toEqual({ channelId: tooLong('channelId') });

    const created = await client.post('/api/conversations', { channelId: HUGE, contact: { name: 'Ann' } });
    expect(created.status).toBe(400);
    expect(created.body.error.fields).toEqual({ channelId: tooLong('channelId') });
    const faq = await client.post('/api/faqs', { question: 'Q?', answer: 'A.', channelId: LONG });
    expect(faq.body.error.fields).toEqual({ channelId: tooLong('channelId') });
    const reorder = await client.post('/api/faqs/reorder', { ids: [LONG] });
    expect(reorder.body.error.fields).toEqual({ 'ids.0': tooLong('id') });
    const bulk = await client.post('/api/conversations/bulk-read', { conversationIds: [HUGE] });
    expect(bulk.body.error.fields).toEqual({ 'conversationIds.0': tooLong('conversationId') });
    const channel = await client.patch(`/api/channels/${channelId}`, {
      aiProviderId: LONG,
      knowledgeGroupIds: [LONG],
      responseTemplate: { text: HUGE },
    });
    expect(channel.status).toBe(400);
    expect(channel.body.error.fields).toEqual({
      aiProviderId: tooLong('aiProviderId'),
      'knowledgeGroupIds.0': tooLong('groupId'),
      responseTemplate: ['Must be at most 20,000 characters as JSON'],
    });
    const suggest = await client.post('/api/faqs/generate', { groupIds: [LONG] });
    expect(suggest.body.error.fields).toEqual({ 'groupIds.0': tooLong('groupId') });
    // Nothing was changed by the refused PATCH.
    expect((await client.get(`/api/channels/${channelId}`)).body.data.aiProviderId).toBeNull();
  });

  it('answers malformed JSON on a route that reads its body itself with fields.body too', async () => {
    const { client } = await ownerWithWebsiteChat();
    const res = await client.request('POST', '/api/knowledge/articles', undefined, {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    // An empty JSON body reads as {}: the fields it lacks are named.
    expect(Object.keys(res.body.error.fields).sort()).toEqual(['content', 'groupId', 'title']);
    const broken = await rawPost(client, '/api/knowledge/articles', '{"groupId": "g", "title": "t"');
    expect(broken.status).toBe(400);
    expect(Object.keys(broken.body.error.fields)).toEqual(['body']);
    expect(broken.body.error.fields.body[0]).toMatch(/^Malformed JSON: /);
  });
});

async function rawPost(client: Client, path: string, body: string) {
  const { exports } = await import('cloudflare:workers');
  const res = await exports.default.fetch(
    new Request(`http://localhost${path}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        origin: 'http://localhost',
        cookie: client.cookie ?? '',
        'cf-connecting-ip': client.ip,
      },
    }),
  );
  return { status: res.status, body: (await res.json()) as any };
}
