import { env } from 'cloudflare:workers';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AiProvider } from '../../db/schema';
import { UpstreamError } from '../../lib/errors';
import { encryptSecret } from '../../lib/secrets';
import { chatModelFor } from './index';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

async function anthropicProvider(overrides: Partial<AiProvider> = {}): Promise<AiProvider> {
  return {
    id: 'p1',
    organizationId: 'o1',
    type: 'ANTHROPIC',
    name: 'Claude',
    model: 'claude-sonnet-4-5',
    temperature: 0.3,
    maxTokens: 400,
    baseUrl: null,
    apiVersion: null,
    deployment: null,
    apiKeyEncrypted: await encryptSecret(env.ENCRYPTION_KEY, 'sk-ant-test-0987654321'),
    isDefault: true,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...overrides,
  };
}

function message(content: unknown[], stop = 'end_turn') {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: 40, output_tokens: 12 },
  };
}

const tools = [
  {
    name: 'get_order_status',
    description: 'Look up an order',
    parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
  },
];

describe('Anthropic adapter (through @anthropic-ai/sdk)', () => {
  it('offers tools as input_schema and returns tool_use blocks as tool calls', async () => {
    let seen: { key: string | null; body: any } | undefined;
    server.use(
      http.post('https://api.anthropic.com/v1/messages', async ({ request }) => {
        // The SDK sends the key as x-api-key or (this version) as a bearer token.
        const key =
          request.headers.get('x-api-key') ?? request.headers.get('authorization')?.replace(/^Bearer /, '') ?? null;
        seen = { key, body: await request.json() };
        return HttpResponse.json(
          message(
            [
              { type: 'text', text: 'Let me check.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_order_status', input: { orderId: '42' } },
            ],
            'tool_use',
          ),
        );
      }),
    );
    const model = await chatModelFor(env, await anthropicProvider());
    const result = await model.complete({
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Where is order 42?' }],
      tools,
    });
    expect(seen?.key).toBe('sk-ant-test-0987654321');
    expect(seen?.body.system).toBe('Be brief.');
    expect(seen?.body.max_tokens).toBe(400);
    expect(seen?.body.tools).toEqual([
      { name: 'get_order_status', description: 'Look up an order', input_schema: tools[0]!.parameters },
    ]);
    expect(result.toolCalls).toEqual([{ id: 'toolu_1', name: 'get_order_status', arguments: { orderId: '42' } }]);
    expect(result.text).toBe('Let me check.');
    expect(result.usage).toEqual({ inputTokens: 40, outputTokens: 12 });
  });

  it('sends tool results as tool_result blocks in a user turn and merges consecutive customer messages', async () => {
    let body: any;
    server.use(
      http.post('https://api.anthropic.com/v1/messages', async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(message([{ type: 'text', text: 'It shipped yesterday.' }]));
      }),
    );
    const model = await chatModelFor(env, await anthropicProvider());
    const result = await model.complete({
      system: 's',
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'user', content: 'Where is order 42?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'toolu_1', name: 'get_order_status', arguments: { orderId: '42' } }],
        },
        { role: 'tool', toolCallId: 'toolu_1', name: 'get_order_status', content: '{"status":"shipped"}' },
      ],
      tools,
    });
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(body.messages[0].content).toHaveLength(2);
    expect(body.messages[1].content).toEqual([
      { type: 'tool_use', id: 'toolu_1', name: 'get_order_status', input: { orderId: '42' } },
    ]);
    expect(body.messages[2].content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"status":"shipped"}' },
    ]);
    expect(result.text).toBe('It shipped yesterday.');
  });

  it('an overloaded or failing API becomes a 502 UpstreamError naming Anthropic', async () => {
    server.use(
      http.post('https://api.anthropic.com/v1/messages', () =>
        HttpResponse.json({ type: 'error', error: { type: 'api_error', message: 'Internal' } }, { status: 500 }),
      ),
    );
    const model = await chatModelFor(env, await anthropicProvider());
    const error = await model.complete({ system: 's', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.message).toContain('Anthropic answered 500');
  });

  it('a 200 answer that is not a message is a 502 UpstreamError naming Anthropic', async () => {
    for (const answer of [
      () => HttpResponse.json({ hello: 1 }),
      () => HttpResponse.json({ content: [null] }),
      () => HttpResponse.html('<html><body>Welcome to nginx!</body></html>'),
    ]) {
      server.use(http.post('https://api.anthropic.com/v1/messages', answer));
      const model = await chatModelFor(env, await anthropicProvider());
      const error = await model.complete({ system: 's', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.code).toBe('UPSTREAM_ERROR');
      expect(error.message).toBe(
        "The AI provider Anthropic answered with something that is not a message; check the provider's base URL",
      );
    }
  });

  it('refuses, at use time, a stored base URL on a private address, before any request', async () => {
    let calls = 0;
    server.use(
      http.all('*', () => {
        calls++;
        return HttpResponse.json(message([{ type: 'text', text: 'metadata' }]));
      }),
    );
    for (const baseUrl of ['https://169.254.169.254', 'https://[::ffff:7f00:1]', 'http://2130706433']) {
      const model = await chatModelFor(env, await anthropicProvider({ baseUrl }));
      const error = await model.complete({ system: 's', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
      expect(error, baseUrl).toBeInstanceOf(UpstreamError);
      expect(error.message).toMatch(/^The AI provider Anthropic was not called: Base URL must point to a public host/);
    }
    expect(calls).toBe(0);
  });
});
