import { env } from 'cloudflare:workers';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chatCompletion } from '../../../test/fake-openai';
import type { AiProvider } from '../../db/schema';
import { UpstreamError } from '../../lib/errors';
import { parsePrivateHostAllowance } from '../../lib/public-host';
import { encryptSecret } from '../../lib/secrets';
import type { ChatRequest } from '../chat-model';
import { chatModelFor } from './index';
import { openAiCompatibleChatModel } from './openai';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

async function provider(overrides: Partial<AiProvider>): Promise<AiProvider> {
  return {
    id: 'p1',
    organizationId: 'o1',
    type: 'OPENAI',
    name: 'Test',
    model: 'gpt-4o-mini',
    temperature: 0.2,
    maxTokens: 300,
    baseUrl: null,
    apiVersion: null,
    deployment: null,
    apiKeyEncrypted: await encryptSecret(env.ENCRYPTION_KEY, 'sk-test-1234567890'),
    isDefault: true,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...overrides,
  };
}

const request: ChatRequest = {
  system: 'You are helpful.',
  messages: [{ role: 'user', content: 'Where is my order 42?' }],
  tools: [
    {
      name: 'get_order_status',
      description: 'Look up an order',
      parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
    },
  ],
};

const completion = (message: Record<string, unknown>) =>
  chatCompletion(message, { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 });

describe('OpenAI-compatible adapters (through the openai SDK)', () => {
  it('OpenAI: sends the system prompt, tools and key; returns the requested tool call and usage', async () => {
    let seen: { auth: string | null; body: any } | undefined;
    server.use(
      http.post('https://api.openai.com/v1/chat/completions', async ({ request: req }) => {
        seen = { auth: req.headers.get('authorization'), body: await req.json() };
        return HttpResponse.json(
          completion({
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_order_status', arguments: '{"orderId":"42"}' },
              },
            ],
          }),
        );
      }),
    );
    const model = await chatModelFor(env, await provider({}));
    const result = await model.complete(request);
    expect(seen?.auth).toBe('Bearer sk-test-1234567890');
    expect(seen?.body.model).toBe('gpt-4o-mini');
    expect(seen?.body.messages[0]).toEqual({ role: 'system', content: 'You are helpful.' });
    expect(seen?.body.tools[0]).toEqual({
      type: 'function',
      function: {
        name: 'get_order_status',
        description: 'Look up an order',
        parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
      },
    });
    expect(result.toolCalls).toEqual([{ id: 'call_1', name: 'get_order_status', arguments: { orderId: '42' } }]);
    expect(result.usage).toEqual({ inputTokens: 21, outputTokens: 9 });
  });

  it('OpenAI: tool results go back as role "tool" messages and the text answer comes out', async () => {
    let body: any;
    server.use(
      http.post('https://api.openai.com/v1/chat/completions', async ({ request: req }) => {
        body = await req.json();
        return HttpResponse.json(completion({ content: 'Order 42 has shipped.' }));
      }),
    );
    const model = await chatModelFor(env, await provider({}));
    const result = await model.complete({
      ...request,
      messages: [
        ...request.messages,
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_1', name: 'get_order_status', arguments: { orderId: '42' } }],
        },
        { role: 'tool', toolCallId: 'call_1', name: 'get_order_status', content: '{"status":"shipped"}' },
      ],
    });
    expect(body.messages.at(-2).tool_calls[0].function.arguments).toBe('{"orderId":"42"}');
    expect(body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '{"status":"shipped"}' });
    expect(result.text).toBe('Order 42 has shipped.');
  });

  it('Azure OpenAI: calls the deployment URL with api-version and the api-key header', async () => {
    let url: URL | undefined;
    let apiKey: string | null = null;
    server.use(
      http.post('https://acme.openai.azure.com/openai/deployments/support-gpt/chat/completions', ({ request: req }) => {
        url = new URL(req.url);
        apiKey = req.headers.get('api-key');
        return HttpResponse.json(completion({ content: 'Hello from Azure' }));
      }),
    );
    const model = await chatModelFor(
      env,
      await provider({
        type: 'AZURE_OPENAI',
        baseUrl: 'https://acme.openai.azure.com',
        apiVersion: '2024-10-21',
        deployment: 'support-gpt',
      }),
    );
    const result = await model.complete({ system: 's', messages: [{ role: 'user', content: 'hi' }] });
    expect(url?.searchParams.get('api-version')).toBe('2024-10-21');
    expect(apiKey).toBe('sk-test-1234567890');
    expect(result.text).toBe('Hello from Azure');
  });

  it('Ollama: speaks to <host>/v1/chat/completions without a key', async () => {
    let model = '';
    server.use(
      http.post('https://ollama.example.com/v1/chat/completions', async ({ request: req }) => {
        model = ((await req.json()) as { model: string }).model;
        return HttpResponse.json(completion({ content: 'Hello from llama' }));
      }),
    );
    const chat = await chatModelFor(
      env,
      await provider({
        type: 'OLLAMA',
        model: 'llama3.2',
        baseUrl: 'https://ollama.example.com',
        apiKeyEncrypted: null,
      }),
    );
    const result = await chat.complete({ system: 's', messages: [{ role: 'user', content: 'hi' }] });
    expect(model).toBe('llama3.2');
    expect(result.text).toBe('Hello from llama');
  });

  it('Ollama on a private host: used only when the installation allows that host', async () => {
    let calls = 0;
    server.use(
      http.post('http://localhost:11434/v1/chat/completions', () => {
        calls++;
        return HttpResponse.json(completion({ content: 'Hello from a local llama' }));
      }),
    );
    const local = await provider({
      type: 'OLLAMA',
      model: 'llama3.2',
      baseUrl: 'http://localhost:11434',
      apiKeyEncrypted: null,
    });
    // This test installation sets no ALLOW_PRIVATE_OLLAMA_HOSTS: a stored local URL is refused before any request.
    const refused = await (await chatModelFor(env, local)).complete(request).catch((e) => e);
    expect(refused).toBeInstanceOf(UpstreamError);
    expect(refused.message).toMatch(/^The AI provider Ollama was not called: Base URL must point to a public host/);
    expect(calls).toBe(0);
    const allowed = openAiCompatibleChatModel({
      flavour: 'OLLAMA',
      apiKey: '',
      model: 'llama3.2',
      temperature: 0.2,
      maxTokens: 100,
      timeoutMs: 5_000,
      baseUrl: 'http://localhost:11434',
      privateOllamaHosts: parsePrivateHostAllowance('localhost'),
    });
    expect((await allowed.complete(request)).text).toBe('Hello from a local llama');
    expect(calls).toBe(1);
  });

  it('refuses, at use time, a stored base URL that points inside the network, for OpenAI and Azure alike', async () => {
    let calls = 0;
    server.use(
      http.all('*', () => {
        calls++;
        return HttpResponse.json(completion({ content: 'metadata' }));
      }),
    );
    for (const overrides of [
      { baseUrl: 'https://169.254.169.254/v1' },
      { baseUrl: 'https://[::127.0.0.1]/v1' },
      { type: 'AZURE_OPENAI' as const, baseUrl: 'https://10.0.0.1', apiVersion: '2024-10-21', deployment: 'd' },
    ]) {
      const model = await chatModelFor(env, await provider(overrides));
      const error = await model.complete(request).catch((e) => e);
      expect(error, overrides.baseUrl).toBeInstanceOf(UpstreamError);
      expect(error.message).toMatch(/was not called: Base URL must point to a public host/);
    }
    expect(calls).toBe(0);
  });

  it('does not follow a redirect, so a public URL cannot bounce the key to a private address', async () => {
    let metadataCalls = 0;
    server.use(
      http.post('https://api.openai.com/v1/chat/completions', () =>
        HttpResponse.text('', { status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }),
      ),
      http.all('http://169.254.169.254/*', () => {
        metadataCalls++;
        return HttpResponse.json(completion({ content: 'metadata' }));
      }),
    );
    const error = await (await chatModelFor(env, await provider({}))).complete(request).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toMatch(/^The AI provider OpenAI answered 307/);
    expect(metadataCalls).toBe(0);
  });

  it('a 200 answer that is not a chat completion is a 502 UpstreamError naming the provider', async () => {
    for (const answer of [
      () => HttpResponse.json({ hello: 1 }),
      () => HttpResponse.json({ choices: 'none' }),
      () => HttpResponse.html('<html><body>Welcome to nginx!</body></html>'),
    ]) {
      server.use(http.post('https://api.openai.com/v1/chat/completions', answer));
      const error = await (await chatModelFor(env, await provider({}))).complete(request).catch((e) => e);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.code).toBe('UPSTREAM_ERROR');
      expect(error.message).toBe(
        "The AI provider OpenAI answered with something that is not a chat completion; check the provider's base URL",
      );
    }
  });

  it('a provider 500 becomes a 502 UpstreamError naming the provider', async () => {
    server.use(
      http.post('https://api.openai.com/v1/chat/completions', () =>
        HttpResponse.json({ error: { message: 'boom', type: 'server_error' } }, { status: 500 }),
      ),
    );
    const model = await chatModelFor(env, await provider({}));
    const error = await model.complete(request).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.message).toContain('OpenAI');
  });

  it('a provider that does not answer in time becomes a 502 UpstreamError', async () => {
    server.use(
      http.post('https://api.openai.com/v1/chat/completions', async () => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        return HttpResponse.json(completion({ content: 'too late' }));
      }),
    );
    const model = await chatModelFor(env, await provider({}), { timeoutMs: 50 });
    const error = await model.complete(request).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toMatch(/OpenAI timed out/);
  });
});
