import { describe, expect, it } from 'vitest';
import { addMember, signUpOwner } from '../../test/client';

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
    const local = await client.post('/api/ai-providers', {
      type: 'OLLAMA',
      name: 'Local',
      model: 'llama3.2',
      baseUrl: 'http://localhost:11434',
    });
    expect(local.status).toBe(201);
    expect(local.body.data.hasApiKey).toBe(false);
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
