import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { addMember, signUpOwner } from '../../test/client';
import { activeToolsFor, HEADERS_REENTRY_MESSAGE } from '../ai/agent-tools';
import { createDb } from '../db/client';

const tool = {
  name: 'get_order_status',
  description: 'Look up the status and tracking of an order by its number',
  type: 'SERVER_SIDE',
  method: 'POST',
  url: 'https://api.shop.example.com/orders/status',
  headers: { Authorization: 'Bearer very-secret-token-1234' },
  parametersSchema: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
};

async function newChannel(client: Awaited<ReturnType<typeof signUpOwner>>['client'], name = 'Site') {
  const res = await client.post('/api/channels', { type: 'WEBSITE_CHAT', name, credentials: {} });
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

  it('an organisation tool attached to a channel is listed there and offered to the AI only where attached; detaching keeps the tool', async () => {
    const { client, organization } = await signUpOwner();
    const db = createDb(env.DB);
    const offered = async (channelId: string) =>
      (await activeToolsFor(db, organization.id, channelId)).map((t) => t.name).sort();
    const shop = await newChannel(client, 'Shop');
    const blog = await newChannel(client, 'Blog');
    const orderTool = (await client.post('/api/agent-tools', tool)).body.data.id as string;
    expect((await client.post('/api/agent-tools', { ...tool, name: 'track_parcel' })).status).toBe(201);
    const own = await client.post(`/api/channels/${shop}/agent-tools`, { ...tool, name: 'book_visit' });
    expect(own.status).toBe(201);
    // Attached nowhere, an organisation tool is offered on every channel.
    expect(await offered(blog)).toEqual(['get_order_status', 'track_parcel']);

    const attached = await client.post(`/api/channels/${shop}/agent-tools`, { toolId: orderTool });
    expect(attached.status).toBe(201);
    expect(attached.body.data).toMatchObject({ id: orderTool, channelId: null, attachedChannelIds: [shop] });
    expect(attached.body.data.headers).toEqual({ Authorization: '••••••••1234' });
    // Attaching again changes nothing and is not an error.
    const again = await client.post(`/api/channels/${shop}/agent-tools`, { toolId: orderTool });
    expect(again.status).toBe(200);
    expect(again.body.data.attachedChannelIds).toEqual([shop]);

    const listed = await client.get(`/api/channels/${shop}/agent-tools`);
    expect(listed.body.data.map((t: { name: string }) => t.name)).toEqual(['book_visit', 'get_order_status']);
    expect((await client.get(`/api/channels/${blog}/agent-tools`)).body.data).toEqual([]);
    const orgList = (await client.get('/api/agent-tools')).body.data as {
      name: string;
      attachedChannelIds: string[];
    }[];
    expect(orgList.map((t) => [t.name, t.attachedChannelIds])).toEqual([
      ['get_order_status', [shop]],
      ['track_parcel', []],
    ]);
    expect(await offered(shop)).toEqual(['book_visit', 'get_order_status', 'track_parcel']);
    expect(await offered(blog)).toEqual(['track_parcel']);

    const detached = await client.delete(`/api/channels/${shop}/agent-tools/${orderTool}`);
    expect(detached.status).toBe(200);
    expect(detached.body.data).toEqual({ id: orderTool, deleted: false, detached: true });
    expect((await client.get(`/api/agent-tools/${orderTool}`)).body.data).toMatchObject({
      name: 'get_order_status',
      attachedChannelIds: [],
    });
    expect((await client.get(`/api/channels/${shop}/agent-tools`)).body.data.map((t: { id: string }) => t.id)).toEqual([
      own.body.data.id,
    ]);
    expect((await client.delete(`/api/channels/${shop}/agent-tools/${orderTool}`)).status).toBe(404);
    // The channel's own tool exists only there: taking it off the channel deletes it.
    const removed = await client.delete(`/api/channels/${shop}/agent-tools/${own.body.data.id}`);
    expect(removed.body.data).toEqual({ id: own.body.data.id, deleted: true, detached: false });
    expect((await client.get(`/api/agent-tools/${own.body.data.id}`)).status).toBe(404);
  });

  it('attaching refuses other organisations, channel tools, name clashes and bad bodies, and changes nothing', async () => {
    const { client } = await signUpOwner();
    const shop = await newChannel(client, 'Shop');
    const blog = await newChannel(client, 'Blog');
    const orgTool = (await client.post('/api/agent-tools', tool)).body.data.id as string;
    const blogTool = (await client.post(`/api/channels/${blog}/agent-tools`, { ...tool, name: 'blog_only' })).body.data
      .id as string;
    expect((await client.post(`/api/channels/${shop}/agent-tools`, tool)).status).toBe(201);
    const { client: stranger } = await signUpOwner('Other');
    const strangerTool = (await stranger.post('/api/agent-tools', { ...tool, name: 'theirs' })).body.data.id as string;
    const strangerChannel = await newChannel(stranger);

    const attach = (channelId: string, body: unknown) => client.post(`/api/channels/${channelId}/agent-tools`, body);
    expect((await attach(shop, { toolId: strangerTool })).status).toBe(404);
    expect((await stranger.post(`/api/channels/${shop}/agent-tools`, { toolId: strangerTool })).status).toBe(404);
    expect((await attach(strangerChannel, { toolId: orgTool })).status).toBe(404);
    const channelTool = await attach(shop, { toolId: blogTool });
    expect(channelTool.status).toBe(400);
    expect(channelTool.body.error.fields.toolId).toEqual([
      'Only organisation tools can be attached; this one belongs to a channel',
    ]);
    // Shop already has its own get_order_status.
    const clash = await attach(shop, { toolId: orgTool });
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toBe('A tool named "get_order_status" already exists here');
    const tooLong = await attach(blog, { toolId: 'x'.repeat(101) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.fields.toolId).toEqual(['toolId must be at most 100 characters']);
    const mixed = await attach(blog, { toolId: orgTool, name: 'renamed' });
    expect(mixed.status).toBe(400);
    expect((await attach(blog, [orgTool])).status).toBe(400);
    const { client: agent } = await addMember(client, 'AGENT');
    expect((await agent.post(`/api/channels/${blog}/agent-tools`, { toolId: orgTool })).status).toBe(403);
    expect((await agent.delete(`/api/channels/${blog}/agent-tools/${blogTool}`)).status).toBe(403);
    expect((await client.get('/api/agent-tools')).body.data[0].attachedChannelIds).toEqual([]);
    // Once attached, a channel tool of the same name cannot be added, nor can the tool be renamed into a clash.
    expect((await attach(blog, { toolId: orgTool })).status).toBe(201);
    expect((await client.post(`/api/channels/${blog}/agent-tools`, tool)).status).toBe(409);
    expect((await client.patch(`/api/agent-tools/${orgTool}`, { name: 'blog_only' })).status).toBe(409);
    expect((await client.get(`/api/agent-tools/${orgTool}`)).body.data.name).toBe('get_order_status');
  });

  it("changing a tool's URL or method requires its stored headers to be entered again; nothing changes until they are", async () => {
    const { client } = await signUpOwner();
    const id = (await client.post('/api/agent-tools', tool)).body.data.id as string;
    const moved = 'https://collector.attacker.example/orders/status';
    const refused: Record<string, unknown>[] = [
      { url: moved },
      { url: moved, headers: { Authorization: '••••••••1234' } },
      { method: 'PUT', headers: { Authorization: '••••••••1234' } },
      { url: moved, headers: { Authorization: '••••••••1234', 'X-Shop': 'eu-store-001122' } },
    ];
    for (const patch of refused) {
      const res = await client.patch(`/api/agent-tools/${id}`, patch);
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(res.body.error.fields.headers).toEqual([`${HEADERS_REENTRY_MESSAGE}: Authorization`]);
    }
    const unchanged = (await client.get(`/api/agent-tools/${id}`)).body.data;
    expect(unchanged).toMatchObject({ url: tool.url, method: 'POST', headers: { Authorization: '••••••••1234' } });
    // Same URL and method: masked values still keep what is stored.
    const same = await client.patch(`/api/agent-tools/${id}`, {
      url: tool.url,
      method: 'POST',
      description: 'Order status by order number',
      headers: { Authorization: '••••••••1234' },
    });
    expect(same.status).toBe(200);
    expect(same.body.data.headers).toEqual({ Authorization: '••••••••1234' });
    // Entered again, or dropped: the new destination is accepted.
    const reentered = await client.patch(`/api/agent-tools/${id}`, {
      url: 'https://api2.shop.example.com/orders/status',
      headers: { Authorization: 'Bearer rotated-token-5678' },
    });
    expect(reentered.status).toBe(200);
    expect(reentered.body.data).toMatchObject({
      url: 'https://api2.shop.example.com/orders/status',
      headers: { Authorization: '••••••••5678' },
    });
    const dropped = await client.patch(`/api/agent-tools/${id}`, { method: 'PUT', headers: {} });
    expect(dropped.body.data).toMatchObject({ method: 'PUT', headers: {} });
  });

  it('the call log pages like every list: pageSize over 100 is capped, not refused', async () => {
    const { client } = await signUpOwner();
    const id = (await client.post('/api/agent-tools', tool)).body.data.id as string;
    const capped = await client.get(`/api/agent-tools/${id}/logs?pageSize=500`);
    expect(capped.status).toBe(200);
    expect(capped.body.data).toEqual({ items: [], page: 1, pageSize: 100, total: 0, totalPages: 0 });
    const bad = await client.get(`/api/agent-tools/${id}/logs?page=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.page).toEqual(['page starts at 1']);
  });
});
