import { describe, expect, it } from 'vitest';
import { addMember, signUpOwner } from '../../test/client';

const tool = {
  name: 'get_order_status',
  description: 'Look up the status and tracking of an order by its number',
  type: 'SERVER_SIDE',
  method: 'POST',
  url: 'https://api.shop.example.com/orders/status',
  headers: { Authorization: 'Bearer very-secret-token-1234' },
  parametersSchema: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
};

async function newChannel(client: Awaited<ReturnType<typeof signUpOwner>>['client']) {
  const res = await client.post('/api/channels', { type: 'WEBSITE_CHAT', name: 'Site', credentials: {} });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body.data.id as string;
}

describe('agent tools', () => {
  it('creates a tool with encrypted headers that are only shown masked, and edits keep unchanged secrets', async () => {
    const { client } = await signUpOwner();
    const created = await client.post('/api/agent-tools', tool);
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      name: 'get_order_status',
      method: 'POST',
      isActive: true,
      channelId: null,
    });
    expect(created.body.data.headers).toEqual({ Authorization: '••••••••1234' });
    expect(JSON.stringify(created.body)).not.toContain('very-secret');
    const id = created.body.data.id;
    // The dashboard sends masked values back untouched: the stored secret must survive.
    const edited = await client.patch(`/api/agent-tools/${id}`, {
      headers: { Authorization: '••••••••1234', 'X-Shop': 'eu-store-001122' },
      isActive: false,
    });
    expect(edited.body.data.headers).toEqual({ Authorization: '••••••••1234', 'X-Shop': '••••••••1122' });
    expect(edited.body.data.isActive).toBe(false);
    expect((await client.get('/api/agent-tools')).body.data).toHaveLength(1);
    expect((await client.delete(`/api/agent-tools/${id}`)).status).toBe(200);
    expect((await client.get('/api/agent-tools')).body.data).toEqual([]);
  });

  it('refuses URLs that could reach internal networks', async () => {
    const { client } = await signUpOwner();
    const unsafe = [
      'http://api.shop.example.com/orders',
      'https://127.0.0.1/x',
      'https://10.1.2.3/x',
      'https://172.20.0.1/x',
      'https://192.168.1.10/x',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/x',
      'https://[::1]/x',
      'https://[fd00:ec2::254]/x',
      'https://[fe80::1]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://localhost/x',
      'https://printer.local/x',
      'https://metadata.google.internal/x',
      'https://2130706433/x',
    ];
    for (const url of unsafe) {
      const res = await client.post('/api/agent-tools', { ...tool, url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.fields?.url, url).toBeDefined();
    }
    expect((await client.get('/api/agent-tools')).body.data).toEqual([]);
    expect((await client.post('/api/agent-tools', { ...tool, url: 'https://93.184.216.34/orders' })).status).toBe(201);
  });

  it('validates name, description, type, SERVER_SIDE url and the parameters schema', async () => {
    const { client } = await signUpOwner();
    const bad: [Record<string, unknown>, string][] = [
      [{ ...tool, name: '1st-tool' }, 'name'],
      [{ ...tool, name: 'x'.repeat(65) }, 'name'],
      [{ ...tool, description: '' }, 'description'],
      [{ ...tool, description: 'd'.repeat(2001) }, 'description'],
      [{ ...tool, type: 'MAGIC' }, 'type'],
      [{ ...tool, method: 'DELETE' }, 'method'],
      [{ ...tool, url: undefined }, 'url'],
      [{ ...tool, parametersSchema: { type: 'array' } }, 'parametersSchema'],
      [{ ...tool, parametersSchema: { type: 'object', properties: { a: { type: 'strin' } } } }, 'parametersSchema'],
      [{ ...tool, parametersSchema: { type: 'object', properties: {}, required: ['missing'] } }, 'parametersSchema'],
      [{ ...tool, headers: { Authorization: 42 } }, 'headers.Authorization'],
    ];
    for (const [body, field] of bad) {
      const res = await client.post('/api/agent-tools', body);
      expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(400);
      expect(Object.keys(res.body.error.fields ?? {}), field).toContain(field);
    }
    const clientSide = await client.post('/api/agent-tools', {
      ...tool,
      type: 'CLIENT_SIDE',
      url: undefined,
      headers: undefined,
    });
    expect(clientSide.status).toBe(201);
    expect(clientSide.body.data.url).toBeNull();
  });

  it('names are unique per organisation and channel; channel tools list under the channel', async () => {
    const { client } = await signUpOwner();
    const channelId = await newChannel(client);
    expect((await client.post('/api/agent-tools', tool)).status).toBe(201);
    expect((await client.post('/api/agent-tools', tool)).status).toBe(409);
    const scoped = await client.post(`/api/channels/${channelId}/agent-tools`, tool);
    expect(scoped.status).toBe(201);
    expect(scoped.body.data.channelId).toBe(channelId);
    expect((await client.post(`/api/channels/${channelId}/agent-tools`, tool)).status).toBe(409);
    const listed = await client.get(`/api/channels/${channelId}/agent-tools`);
    expect(listed.body.data.map((t: { id: string }) => t.id)).toEqual([scoped.body.data.id]);
    expect((await client.get('/api/agent-tools')).body.data).toHaveLength(1);
  });

  it('only admins manage tools; other organisations get 404', async () => {
    const { client: owner } = await signUpOwner();
    const channelId = await newChannel(owner);
    const { id } = (await owner.post('/api/agent-tools', tool)).body.data;
    const { client: agent } = await addMember(owner, 'AGENT');
    expect((await agent.get('/api/agent-tools')).status).toBe(200);
    expect((await agent.post('/api/agent-tools', { ...tool, name: 'other' })).status).toBe(403);
    expect((await agent.patch(`/api/agent-tools/${id}`, { isActive: false })).status).toBe(403);
    const { client: stranger } = await signUpOwner('Other');
    expect((await stranger.patch(`/api/agent-tools/${id}`, { isActive: false })).status).toBe(404);
    expect((await stranger.get(`/api/agent-tools/${id}/logs`)).status).toBe(404);
    expect((await stranger.post(`/api/channels/${channelId}/agent-tools`, tool)).status).toBe(404);
    expect((await stranger.get(`/api/channels/${channelId}/agent-tools`)).status).toBe(404);
  });

  it('proposes tools from an OpenAPI document without saving them', async () => {
    const { client } = await signUpOwner();
    const spec = {
      openapi: '3.0.3',
      servers: [{ url: 'https://api.shop.example.com/v1' }],
      components: {
        schemas: {
          Refund: {
            type: 'object',
            properties: { orderId: { type: 'string' }, reason: { type: 'string', nullable: true } },
            required: ['orderId'],
          },
        },
      },
      paths: {
        '/orders/{orderId}': {
          get: {
            operationId: 'getOrder',
            summary: 'Get an order',
            parameters: [
              { name: 'orderId', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'expand', in: 'query', schema: { type: 'boolean' }, description: 'Include items' },
              { name: 'X-Trace', in: 'header', schema: { type: 'string' } },
            ],
          },
          delete: { operationId: 'deleteOrder' },
        },
        '/refunds': {
          post: {
            operationId: 'create-refund',
            description: 'Start a refund',
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Refund' } } },
            },
          },
        },
      },
    };
    const res = await client.post('/api/agent-tools/import-openapi', { spec: JSON.stringify(spec) });
    expect(res.status).toBe(200);
    expect(res.body.data.tools).toEqual([
      {
        name: 'getOrder',
        description: 'Get an order',
        type: 'SERVER_SIDE',
        method: 'GET',
        url: 'https://api.shop.example.com/v1/orders/{orderId}',
        parametersSchema: {
          type: 'object',
          properties: { orderId: { type: 'string' }, expand: { type: 'boolean', description: 'Include items' } },
          required: ['orderId'],
        },
        problems: [],
      },
      {
        name: 'create_refund',
        description: 'Start a refund',
        type: 'SERVER_SIDE',
        method: 'POST',
        url: 'https://api.shop.example.com/v1/refunds',
        parametersSchema: {
          type: 'object',
          properties: { orderId: { type: 'string' }, reason: { type: 'string' } },
          required: ['orderId'],
        },
        problems: [],
      },
    ]);
    // Each proposal is accepted as is by the create endpoint.
    for (const proposal of res.body.data.tools) {
      const { problems: _p, ...body } = proposal;
      expect((await client.post('/api/agent-tools', body)).status).toBe(201);
    }
    const internal = await client.post('/api/agent-tools/import-openapi', { spec, baseUrl: 'https://10.0.0.5' });
    expect(internal.body.data.tools[0].problems[0]).toMatch(/private/);
    const invalid = await client.post('/api/agent-tools/import-openapi', { spec: '{"openapi":' });
    expect(invalid.status).toBe(400);
  });
});
