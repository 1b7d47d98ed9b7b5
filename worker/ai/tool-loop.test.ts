import { env } from 'cloudflare:workers';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Client, signUpOwner } from '../../test/client';
import { chatCompletion } from '../../test/fake-openai';
import { createDb } from '../db/client';
import type { AiProvider } from '../db/schema';
import { encryptSecret } from '../lib/secrets';
import { loadTool } from './agent-tools';
import { chatModelFor } from './providers';
import { MAX_TOOL_ROUNDS, runToolLoop, type ToolLoopOptions, TRUNCATION_MARKER } from './tool-loop';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const db = createDb(env.DB);
const OPENAI_URL = 'https://api.openai.com/v1/chat/completions';
const ANTHROPIC_URL = 'https://api.anthropic.com/v1/messages';
const ORDER_SCHEMA = {
  type: 'object',
  properties: { orderId: { type: 'string', pattern: '^A-\\d+$' } },
  required: ['orderId'],
};

async function provider(type: 'OPENAI' | 'ANTHROPIC'): Promise<AiProvider> {
  return {
    id: 'p',
    organizationId: 'o',
    type,
    name: type,
    model: type === 'OPENAI' ? 'gpt-4o-mini' : 'claude-sonnet-4-5',
    temperature: 0,
    maxTokens: 200,
    baseUrl: null,
    apiVersion: null,
    deployment: null,
    apiKeyEncrypted: await encryptSecret(env.ENCRYPTION_KEY, 'sk-test-key-123456'),
    isDefault: true,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

function openAiAnswer(message: Record<string, unknown>) {
  return HttpResponse.json(chatCompletion(message, { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }));
}

function openAiToolCall(args: unknown, name = 'get_order_status') {
  return openAiAnswer({
    tool_calls: [
      { id: `call_${crypto.randomUUID()}`, type: 'function', function: { name, arguments: JSON.stringify(args) } },
    ],
  });
}

/** A fake OpenAI that asks for the tool once, then answers with whatever the tool said. */
function fakeOpenAi(args: unknown, seen: { toolMessages: string[]; calls: number }) {
  return http.post(OPENAI_URL, async ({ request }) => {
    seen.calls++;
    const body = (await request.json()) as { messages: { role: string; content: string }[] };
    const toolMessages = body.messages.filter((m) => m.role === 'tool');
    if (!toolMessages.length) return openAiToolCall(args);
    seen.toolMessages = toolMessages.map((m) => m.content);
    return openAiAnswer({ content: `Tool said: ${toolMessages.at(-1)!.content}` });
  });
}

async function setup(tool: Record<string, unknown>) {
  const { client, organization } = await signUpOwner();
  const res = await client.post('/api/agent-tools', {
    name: 'get_order_status',
    description: 'Look up the status of an order by its number',
    type: 'SERVER_SIDE',
    method: 'POST',
    url: 'https://shop.example.com/orders/status',
    headers: { Authorization: 'Bearer shop-secret-token' },
    parametersSchema: ORDER_SCHEMA,
    ...tool,
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return { client, organizationId: organization.id as string, toolId: res.body.data.id as string };
}

async function run(
  organizationId: string,
  toolId: string,
  type: 'OPENAI' | 'ANTHROPIC' = 'OPENAI',
  options: ToolLoopOptions = {},
) {
  const model = await chatModelFor(env, await provider(type));
  return runToolLoop(
    env,
    db,
    {
      organizationId,
      conversationId: null,
      model,
      tools: [await loadTool(db, organizationId, toolId)],
      request: { system: 'Help the customer.', messages: [{ role: 'user', content: 'Where is my order A-1?' }] },
    },
    options,
  );
}

async function logs(client: Client, toolId: string) {
  return (await client.get(`/api/agent-tools/${toolId}/logs`)).body.data.items as {
    status: string;
    arguments: unknown;
    response: string | null;
    error: string | null;
  }[];
}

describe('tool loop', () => {
  it('OpenAI: the model asks for get_order_status, the tool endpoint answers, the reply uses it, the call is logged', async () => {
    const { client, organizationId, toolId } = await setup({});
    const seen = { toolMessages: [] as string[], calls: 0 };
    let toolRequest: { auth: string | null; body: unknown } | undefined;
    server.use(
      fakeOpenAi({ orderId: 'A-1' }, seen),
      http.post('https://shop.example.com/orders/status', async ({ request }) => {
        toolRequest = { auth: request.headers.get('authorization'), body: await request.json() };
        return HttpResponse.json({ status: 'shipped', eta: 'tomorrow' });
      }),
    );
    const result = await run(organizationId, toolId);
    expect(toolRequest).toEqual({ auth: 'Bearer shop-secret-token', body: { orderId: 'A-1' } });
    expect(result.text).toBe('Tool said: {"status":"shipped","eta":"tomorrow"}');
    expect(result.usage).toEqual({ inputTokens: 20, outputTokens: 10 });
    const [log] = await logs(client, toolId);
    expect(log).toMatchObject({ status: 'SUCCESS', arguments: { orderId: 'A-1' }, error: null });
    expect(log!.response).toContain('shipped');
  });

  it('Anthropic: a tool_use round trip through a GET tool sends the arguments as a query string', async () => {
    const { client, organizationId, toolId } = await setup({
      method: 'GET',
      url: 'https://shop.example.com/orders/{orderId}',
    });
    let toolUrl = '';
    server.use(
      http.post(ANTHROPIC_URL, async ({ request }) => {
        const body = (await request.json()) as {
          messages: { role: string; content: { type: string; content?: string }[] }[];
        };
        const results = body.messages.flatMap((m) => m.content).filter((b) => b.type === 'tool_result');
        const content = results.length
          ? [{ type: 'text', text: `Your order is ${JSON.parse(results[0]!.content!).status}.` }]
          : [{ type: 'tool_use', id: 'toolu_1', name: 'get_order_status', input: { orderId: 'A-7' } }];
        return HttpResponse.json({
          id: 'm',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5',
          content,
          stop_reason: results.length ? 'end_turn' : 'tool_use',
          stop_sequence: null,
          usage: { input_tokens: 30, output_tokens: 6 },
        });
      }),
      http.get('https://shop.example.com/orders/:id', ({ request }) => {
        toolUrl = request.url;
        return HttpResponse.json({ status: 'out for delivery' });
      }),
    );
    const result = await run(organizationId, toolId, 'ANTHROPIC');
    expect(toolUrl).toBe('https://shop.example.com/orders/A-7');
    expect(result.text).toBe('Your order is out for delivery.');
    expect((await logs(client, toolId))[0]).toMatchObject({ status: 'SUCCESS', arguments: { orderId: 'A-7' } });
  });

  it('arguments that break the schema are refused, fed back to the model, and logged INVALID_ARGUMENTS', async () => {
    const { client, organizationId, toolId } = await setup({});
    const seen = { toolMessages: [] as string[], calls: 0 };
    let toolCalled = false;
    server.use(
      fakeOpenAi({ orderId: 42 }, seen),
      http.post('https://shop.example.com/orders/status', () => {
        toolCalled = true;
        return HttpResponse.json({});
      }),
    );
    await run(organizationId, toolId);
    expect(toolCalled).toBe(false);
    expect(seen.toolMessages[0]).toContain('Invalid arguments');
    const [log] = await logs(client, toolId);
    expect(log).toMatchObject({ status: 'INVALID_ARGUMENTS', arguments: { orderId: 42 } });
  });

  it('a tool that does not answer in time is logged TIMEOUT and the model is told', async () => {
    const { client, organizationId, toolId } = await setup({});
    const seen = { toolMessages: [] as string[], calls: 0 };
    server.use(
      fakeOpenAi({ orderId: 'A-1' }, seen),
      http.post('https://shop.example.com/orders/status', async () => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        return HttpResponse.json({ status: 'late' });
      }),
    );
    await run(organizationId, toolId, 'OPENAI', { serverTimeoutMs: 50 });
    expect(seen.toolMessages[0]).toContain('did not answer within 50 ms');
    expect((await logs(client, toolId))[0]).toMatchObject({ status: 'TIMEOUT' });
  });

  it('a response over 10 KB is cut with a marker before the model sees it', async () => {
    const { client, organizationId, toolId } = await setup({});
    const seen = { toolMessages: [] as string[], calls: 0 };
    server.use(
      fakeOpenAi({ orderId: 'A-1' }, seen),
      http.post('https://shop.example.com/orders/status', () => HttpResponse.text('x'.repeat(50_000))),
    );
    await run(organizationId, toolId);
    expect(seen.toolMessages[0]!.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(seen.toolMessages[0]!.length).toBe(10 * 1024 + TRUNCATION_MARKER.length);
    expect((await logs(client, toolId))[0]!.response!.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('a redirect to a private address is refused and never followed', async () => {
    const { client, organizationId, toolId } = await setup({});
    const seen = { toolMessages: [] as string[], calls: 0 };
    server.use(
      fakeOpenAi({ orderId: 'A-1' }, seen),
      http.post(
        'https://shop.example.com/orders/status',
        () =>
          new HttpResponse(null, { status: 302, headers: { location: 'https://169.254.169.254/latest/meta-data' } }),
      ),
    );
    await run(organizationId, toolId);
    const [log] = await logs(client, toolId);
    expect(log!.status).toBe('ERROR');
    expect(log!.error).toMatch(/Refused to call https:\/\/169\.254\.169\.254/);
  });

  it("a redirect to another origin is followed without the tool's secret headers, which are not sent again", async () => {
    const { client, organizationId, toolId } = await setup({
      headers: { Authorization: 'Bearer shop-secret-token', 'X-Api-Key': 'shop-api-key-0042' },
    });
    const seen = { toolMessages: [] as string[], calls: 0 };
    const hops: { url: string; authorization: string | null; apiKey: string | null; accept: string | null }[] = [];
    /** Records what reached `url`, then redirects to `location` (or answers when there is none). */
    const hop = (url: string, location: string | null) =>
      http.post(url, ({ request }) => {
        hops.push({
          url: request.url,
          authorization: request.headers.get('authorization'),
          apiKey: request.headers.get('x-api-key'),
          accept: request.headers.get('accept'),
        });
        return location
          ? new HttpResponse(null, { status: 307, headers: { location } })
          : HttpResponse.json({ status: 'shipped' });
      });
    server.use(
      fakeOpenAi({ orderId: 'A-1' }, seen),
      hop('https://shop.example.com/orders/status', '/v2/orders/status'),
      hop('https://shop.example.com/v2/orders/status', 'https://collector.example.net/collect'),
      hop('https://collector.example.net/collect', 'https://shop.example.com/v3/orders/status'),
      hop('https://shop.example.com/v3/orders/status', null),
    );
    await run(organizationId, toolId);
    expect(hops).toEqual([
      {
        url: 'https://shop.example.com/orders/status',
        authorization: 'Bearer shop-secret-token',
        apiKey: 'shop-api-key-0042',
        accept: 'application/json',
      },
      {
        url: 'https://shop.example.com/v2/orders/status',
        authorization: 'Bearer shop-secret-token',
        apiKey: 'shop-api-key-0042',
        accept: 'application/json',
      },
      { url: 'https://collector.example.net/collect', authorization: null, apiKey: null, accept: 'application/json' },
      {
        url: 'https://shop.example.com/v3/orders/status',
        authorization: null,
        apiKey: null,
        accept: 'application/json',
      },
    ]);
    expect((await logs(client, toolId))[0]).toMatchObject({ status: 'SUCCESS' });
  });

  it('CLIENT_SIDE tools run in the visitor page; no answer in time is a TIMEOUT', async () => {
    const { client, organizationId, toolId } = await setup({ type: 'CLIENT_SIDE', url: null, name: 'get_cart' });
    const seen = { toolMessages: [] as string[], calls: 0 };
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        const body = (await request.json()) as { messages: { role: string; content: string }[] };
        const tool = body.messages.find((m) => m.role === 'tool');
        if (!tool) return openAiToolCall({ orderId: 'A-1' }, 'get_cart');
        seen.toolMessages.push(tool.content);
        return openAiAnswer({ content: 'ok' });
      }),
    );
    await run(organizationId, toolId, 'OPENAI', {
      runClientTool: async (call) => ({ result: { items: 2, asked: call.arguments } }),
    });
    expect(JSON.parse(seen.toolMessages[0]!)).toEqual({ items: 2, asked: { orderId: 'A-1' } });
    await run(organizationId, toolId, 'OPENAI', { clientTimeoutMs: 30, runClientTool: () => new Promise(() => {}) });
    const statuses = (await logs(client, toolId)).map((l) => l.status).sort();
    expect(statuses).toEqual(['SUCCESS', 'TIMEOUT']);
  });

  it(`stops offering tools after ${MAX_TOOL_ROUNDS} rounds so the model must answer`, async () => {
    const { organizationId, toolId } = await setup({});
    const offered: boolean[] = [];
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        const body = (await request.json()) as { tools?: unknown[] };
        offered.push(Boolean(body.tools));
        return body.tools ? openAiToolCall({ orderId: 'A-1' }) : openAiAnswer({ content: 'final answer' });
      }),
      http.post('https://shop.example.com/orders/status', () => HttpResponse.json({ status: 'shipped' })),
    );
    const result = await run(organizationId, toolId);
    expect(offered).toEqual([true, true, true, true, false]);
    expect(result.text).toBe('final answer');
  });
});
