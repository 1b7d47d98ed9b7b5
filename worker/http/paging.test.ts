import { describe, expect, it } from 'vitest';
import { ownerWithWebsiteChat } from '../../test/client';

describe('paging', () => {
  it('every paged list caps pageSize at 100 (never refuses it) and answers the same paging fields', async () => {
    const { client, channelId } = await ownerWithWebsiteChat();
    const created = await client.post('/api/conversations', {
      channelId,
      contact: { name: 'Petra Novak', email: 'petra@example.test' },
      content: 'Where is my order A-1042?',
    });
    expect(created.status).toBe(201);
    const tool = await client.post('/api/agent-tools', {
      name: 'get_order_status',
      description: 'Look up an order',
      type: 'CLIENT_SIDE',
      parametersSchema: { type: 'object', properties: {} },
    });
    const lists = [
      '/api/conversations',
      `/api/conversations/${created.body.data.id}/messages`,
      `/api/agent-tools/${tool.body.data.id}/logs`,
    ];
    for (const path of lists) {
      const res = await client.get(`${path}?page=1&pageSize=500`);
      expect(res.status, path).toBe(200);
      const { items, ...paging } = res.body.data;
      expect(Array.isArray(items), path).toBe(true);
      expect(paging, path).toEqual({
        page: 1,
        pageSize: 100,
        total: items.length,
        totalPages: items.length ? 1 : 0,
      });
      const zero = await client.get(`${path}?pageSize=0`);
      expect(zero.status, path).toBe(400);
      expect(zero.body.error.fields.pageSize, path).toEqual(['pageSize is at least 1']);
    }
  });
});
