import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addMember, signUpOwner } from '../../test/client';
import { createProvider } from '../ai/provider-config';
import { createDb } from '../db/client';
import { aiProviders } from '../db/schema';
import { decryptSecret } from '../lib/secrets';

const db = createDb(env.DB);

const openai = { type: 'OPENAI', name: 'OpenAI', model: 'gpt-4o-mini', apiKey: 'sk-live-abcdefghijklmnop' };

describe('AI providers', () => {
  it('stores the key encrypted and only ever shows it masked', async () => {
    const { client } = await signUpOwner();
    const created = await client.post('/api/ai-providers', openai);
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      type: 'OPENAI',
      apiKey: '••••••••mnop',
      hasApiKey: true,
      isDefault: true,
    });
    expect(JSON.stringify(created.body)).not.toContain('sk-live');
    const listed = await client.get('/api/ai-providers');
    expect(JSON.stringify(listed.body)).not.toContain('sk-live');
    expect(listed.body.data[0].apiKey).toBe('••••••••mnop');
    expect(listed.body.data[0]).not.toHaveProperty('apiKeyEncrypted');
  });

  it('keeps exactly one default: the first one, then whichever is marked, then a survivor on delete', async () => {
    const { client } = await signUpOwner();
    const first = (await client.post('/api/ai-providers', openai)).body.data;
    const second = (await client.post('/api/ai-providers', { type: 'BUILTIN', name: 'Offline' })).body.data;
    expect(first.isDefault).toBe(true);
    expect(second.isDefault).toBe(false);
    expect(second.model).toBe('helpstack-builtin');

    await client.patch(`/api/ai-providers/${second.id}`, { isDefault: true });
    let list = (await client.get('/api/ai-providers')).body.data as { id: string; isDefault: boolean }[];
    expect(list.filter((p) => p.isDefault).map((p) => p.id)).toEqual([second.id]);

    const unset = await client.patch(`/api/ai-providers/${second.id}`, { isDefault: false });
    expect(unset.status).toBe(400);

    expect((await client.delete(`/api/ai-providers/${second.id}`)).status).toBe(200);
    list = (await client.get('/api/ai-providers')).body.data;
    expect(list).toEqual([expect.objectContaining({ id: first.id, isDefault: true })]);
  });

  it('rejects incomplete settings per type, and changes nothing', async () => {
    const { client } = await signUpOwner();
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'OPENAI', name: 'x', model: 'gpt-4o' }, 'apiKey'],
      [
        {
          type: 'AZURE_OPENAI',
          name: 'x',
          model: 'gpt-4o',
          apiKey: 'k'.repeat(20),
          baseUrl: 'https://a.openai.azure.com',
        },
        'deployment',
      ],
      [{ type: 'OLLAMA', name: 'x', model: 'llama3' }, 'baseUrl'],
      [{ type: 'OLLAMA', name: 'x', model: 'llama3', baseUrl: 'http://ollama.example.com' }, 'baseUrl'],
      [{ ...openai, temperature: 3 }, 'temperature'],
      [{ ...openai, maxTokens: 64000 }, 'maxTokens'],
      [{ ...openai, type: 'GEMINI' }, 'type'],
    ];
    for (const [body, field] of cases) {
      const res = await client.post('/api/ai-providers', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(Object.keys(res.body.error.fields ?? {})).toContain(field);
    }
    expect((await client.get('/api/ai-providers')).body.data).toEqual([]);
    const hosted = await client.post('/api/ai-providers', {
      type: 'OLLAMA',
      name: 'Hosted',
      model: 'llama3.2',
      baseUrl: 'https://ollama.example.com',
    });
    expect(hosted.status).toBe(201);
    expect(hosted.body.data.hasApiKey).toBe(false);
  });

  it('refuses base URLs on private, local and metadata addresses for every provider type', async () => {
    const { client } = await signUpOwner();
    const types = [
      { ...openai },
      { type: 'ANTHROPIC', name: 'Claude', model: 'claude-sonnet-4-5', apiKey: 'sk-ant-abcdefghijkl' },
      {
        type: 'AZURE_OPENAI',
        name: 'Azure',
        model: 'gpt-4o',
        apiKey: 'k'.repeat(20),
        deployment: 'd',
        apiVersion: 'v',
      },
      { type: 'OLLAMA', name: 'Ollama', model: 'llama3.2' },
    ];
    const urls = [
      'https://169.254.169.254/v1',
      'https://10.0.0.1',
      'https://127.0.0.1',
      'https://[::1]',
      'http://localhost:11434',
      'https://2130706433/',
      'https://0x7f.1/',
      'https://[::127.0.0.1]/',
      'https://[::ffff:7f00:1]/',
      'https://[64:ff9b::a9fe:a9fe]/',
      'https://ollama.internal',
    ];
    for (const body of types) {
      for (const baseUrl of urls) {
        const res = await client.post('/api/ai-providers', { ...body, baseUrl });
        expect(res.status, `${body.type} ${baseUrl}`).toBe(400);
        expect(res.body.error.fields.baseUrl, `${body.type} ${baseUrl}`).toEqual([
          expect.stringMatching(/^Base URL must point to a public host \(/),
        ]);
      }
    }
    const plain = await client.post('/api/ai-providers', { ...openai, baseUrl: 'http://api.example.com/v1' });
    expect(plain.body.error.fields.baseUrl).toEqual([
      'Base URL must use https (plain http only for an Ollama server on a private host the installation allows)',
    ]);
    expect((await client.get('/api/ai-providers')).body.data).toEqual([]);
  });

  it('allows a private Ollama server only through the installation variable, never for other types', async () => {
    const { organization } = await signUpOwner();
    const installation = { ...env, ALLOW_PRIVATE_OLLAMA_HOSTS: '10.0.0.0/8, ollama.internal' };
    const created = await createProvider(installation, db, organization.id, {
      type: 'OLLAMA',
      name: 'Office Ollama',
      model: 'llama3.2',
      baseUrl: 'http://ollama.internal:11434',
    });
    expect(created.baseUrl).toBe('http://ollama.internal:11434');
    const viaIp = await createProvider(installation, db, organization.id, {
      type: 'OLLAMA',
      name: 'By address',
      model: 'llama3.2',
      baseUrl: 'http://10.1.2.3:11434',
    });
    expect(viaIp.baseUrl).toBe('http://10.1.2.3:11434');
    for (const [type, baseUrl] of [
      ['OLLAMA', 'http://192.168.1.5:11434'],
      ['OPENAI', 'https://10.1.2.3/v1'],
    ] as const) {
      const error = await createProvider(installation, db, organization.id, {
        type,
        name: 'x',
        model: 'm',
        apiKey: 'sk-live-abcdefghijklmnop',
        baseUrl,
      }).catch((e) => e);
      expect(error.fields?.baseUrl, baseUrl).toEqual([expect.stringMatching(/^Base URL must point to a public host/)]);
    }
  });

  it('never sends the stored key to a new base URL: the key must be typed again, and nothing changes', async () => {
    const { client } = await signUpOwner();
    const created = (await client.post('/api/ai-providers', { ...openai, baseUrl: 'https://api.openai.com/v1' })).body
      .data;
    const moves = [
      { baseUrl: 'https://collector.attacker.example/v1' },
      { baseUrl: 'https://collector.attacker.example/v1', apiKey: created.apiKey },
      { baseUrl: null },
      { name: 'Renamed', baseUrl: 'https://api.openai.com:8443/v1' },
    ];
    for (const patch of moves) {
      const res = await client.patch(`/api/ai-providers/${created.id}`, patch);
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(res.body.error).toEqual({
        code: 'VALIDATION_ERROR',
        message: 'Enter the API key again to use it with a new base URL',
        fields: { apiKey: ['Enter the API key again to use it with a new base URL'] },
      });
    }
    const [row] = await db.select().from(aiProviders).where(eq(aiProviders.id, created.id));
    expect(row).toMatchObject({ name: 'OpenAI', baseUrl: 'https://api.openai.com/v1' });
    expect(await decryptSecret(env.ENCRYPTION_KEY, row!.apiKeyEncrypted!)).toBe('sk-live-abcdefghijklmnop');

    // The same URL spelled differently, or the masked key sent back, is no move.
    const same = await client.patch(`/api/ai-providers/${created.id}`, {
      baseUrl: 'https://API.openai.com/v1/',
      apiKey: created.apiKey,
    });
    expect(same.status).toBe(200);
    expect(same.body.data.apiKey).toBe('••••••••mnop');
    const retyped = await client.patch(`/api/ai-providers/${created.id}`, {
      baseUrl: 'https://proxy.example.com/v1',
      apiKey: 'sk-live-typedagain-4321',
    });
    expect(retyped.status).toBe(200);
    expect(retyped.body.data).toMatchObject({ baseUrl: 'https://proxy.example.com/v1', apiKey: '••••••••4321' });
  });

  it('updates settings, keeps the key unless a new one is given', async () => {
    const { client } = await signUpOwner();
    const { id } = (await client.post('/api/ai-providers', openai)).body.data;
    const renamed = await client.patch(`/api/ai-providers/${id}`, { name: 'Main', temperature: 1.1 });
    expect(renamed.body.data).toMatchObject({ name: 'Main', temperature: 1.1, apiKey: '••••••••mnop' });
    const rekeyed = await client.patch(`/api/ai-providers/${id}`, { apiKey: 'sk-live-zzzzzzzzzzzz9876' });
    expect(rekeyed.body.data.apiKey).toBe('••••••••9876');
    const removed = await client.patch(`/api/ai-providers/${id}`, { apiKey: null });
    expect(removed.status).toBe(400);
  });

  it('lets agents read but only admins manage, and hides other organisations', async () => {
    const { client: owner } = await signUpOwner();
    const { id } = (await owner.post('/api/ai-providers', openai)).body.data;
    const { client: agent } = await addMember(owner, 'AGENT');
    expect((await agent.get('/api/ai-providers')).body.data).toHaveLength(1);
    expect((await agent.post('/api/ai-providers', openai)).status).toBe(403);
    expect((await agent.delete(`/api/ai-providers/${id}`)).status).toBe(403);
    const { client: stranger } = await signUpOwner('Other');
    expect((await stranger.patch(`/api/ai-providers/${id}`, { name: 'mine' })).status).toBe(404);
    expect((await stranger.delete(`/api/ai-providers/${id}`)).status).toBe(404);
    expect((await stranger.get('/api/ai-providers')).body.data).toEqual([]);
  });
});
