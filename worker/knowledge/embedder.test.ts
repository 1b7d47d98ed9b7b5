import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder, hashedNgramVector, localEmbedder, openAiEmbedder, workersAiEmbedder } from './embedder';
import { reciprocalRankFusion } from './fusion';
import { cosine, exactTopK } from './vector-store';

describe('local embedder', () => {
  it('is deterministic, unit-length and puts related texts closer than unrelated ones', async () => {
    const [a, b] = await localEmbedder.embed(['Refunds are paid within 14 days', 'Refunds are paid within 14 days']);
    expect(a).toEqual(b);
    expect(a!.length).toBe(512);
    expect(cosine(a!, a!)).toBeCloseTo(1, 5);
    const query = hashedNgramVector('when will my refund be paid');
    const related = hashedNgramVector('Refunds are paid to your card within 14 days of the return');
    const unrelated = hashedNgramVector('Our office dog is called Biscuit and loves tennis balls');
    expect(cosine(query, related)).toBeGreaterThan(localEmbedder.minSimilarity);
    expect(cosine(query, unrelated)).toBeLessThan(localEmbedder.minSimilarity);
  });

  it('is the default when no Workers AI binding is configured, or when EMBEDDINGS=local', () => {
    expect(createEmbedder({} as Cloudflare.Env)).toBe(localEmbedder);
    const ai = { run: async () => ({ data: [[1, 0]] }) } as unknown as Ai;
    expect(createEmbedder({ AI: ai, EMBEDDINGS: 'local' } as Cloudflare.Env)).toBe(localEmbedder);
    expect(createEmbedder({ AI: ai } as Cloudflare.Env).name).toBe('@cf/baai/bge-base-en-v1.5');
  });
});

describe('retrieval building blocks', () => {
  it('exact top-k keeps the best matches in order and skips vectors of another dimension', () => {
    const q = Float32Array.from([1, 0]);
    const candidates = [
      { id: 'far', vector: Float32Array.from([0, 1]) },
      { id: 'near', vector: Float32Array.from([0.9, 0.1]) },
      { id: 'same', vector: Float32Array.from([2, 0]) },
      { id: 'other-model', vector: Float32Array.from([1, 0, 0]) },
    ];
    expect(exactTopK(q, candidates, 2).map((m) => m.chunkId)).toEqual(['same', 'near']);
  });

  it('reciprocal rank fusion favours ids that both retrievers rank well', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['b', 'd', 'a'],
    ]);
    expect(fused.map((f) => f.id)).toEqual(['b', 'a', 'd', 'c']);
    expect(fused[0]!.score).toBeCloseTo(1 / 62 + 1 / 61, 10);
  });
});

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** A recognisable vector per text, so that misordered or misassigned results show. */
const fakeVector = (text: string, dimensions = 4) =>
  Array.from({ length: dimensions }, (_, i) => (text.length * (i + 1)) / 1000);

function base64Floats(values: number[]): string {
  const bytes = new Uint8Array(Float32Array.from(values).buffer);
  return btoa(String.fromCharCode(...bytes));
}

interface EmbeddingsRequest {
  model: string;
  input: string[];
  encoding_format?: string;
}

/** The /v1/embeddings wire format. OpenAI itself answers base64 when asked; `floatsOnly` is a compatible
 *  server that ignores encoding_format. Items come back in reverse order: `index` is what ties them. */
function embeddingsEndpoint(
  base: string,
  options: { floatsOnly?: boolean; drop?: number } = {},
): { requests: { auth: string | null; body: EmbeddingsRequest }[] } {
  const requests: { auth: string | null; body: EmbeddingsRequest }[] = [];
  server.use(
    http.post(`${base}/embeddings`, async ({ request }) => {
      const body = (await request.json()) as EmbeddingsRequest;
      requests.push({ auth: request.headers.get('authorization'), body });
      const base64 = body.encoding_format === 'base64' && !options.floatsOnly;
      const data = body.input
        .map((text, index) => ({
          object: 'embedding',
          index,
          embedding: base64 ? base64Floats(fakeVector(text)) : fakeVector(text),
        }))
        .slice(options.drop ?? 0)
        .reverse();
      return HttpResponse.json({
        object: 'list',
        data,
        model: body.model,
        usage: { prompt_tokens: body.input.length * 3, total_tokens: body.input.length * 3 },
      });
    }),
  );
  return { requests };
}

const closeTo = (actual: Float32Array | undefined, expected: number[]) => {
  expect(actual).toBeInstanceOf(Float32Array);
  expect(actual!.length).toBe(expected.length);
  for (const [i, v] of expected.entries()) expect(actual![i]).toBeCloseTo(v, 5);
};

describe('OpenAI embeddings adapter (through the openai SDK)', () => {
  it('sends the model, the texts and the key, and returns one vector per text in input order', async () => {
    const { requests } = embeddingsEndpoint('https://api.openai.com/v1');
    const embedder = openAiEmbedder({ apiKey: 'sk-test-embed' });
    const texts = ['Refunds take 14 days', 'Shipping is free over 50 EUR', 'Hi'];
    const vectors = await embedder.embed(texts);

    expect(requests).toHaveLength(1);
    expect(requests[0]!.auth).toBe('Bearer sk-test-embed');
    expect(requests[0]!.body.model).toBe('text-embedding-3-small');
    expect(requests[0]!.body.input).toEqual(texts);
    expect(vectors).toHaveLength(3);
    for (const [i, text] of texts.entries()) closeTo(vectors[i], fakeVector(text));
    expect(embedder.name).toBe('openai:text-embedding-3-small');
  });

  it('batches 256 texts per request and keeps the overall order', async () => {
    const { requests } = embeddingsEndpoint('https://api.openai.com/v1');
    const texts = Array.from({ length: 600 }, (_, i) => 'x'.repeat(i + 1));
    const vectors = await openAiEmbedder({ apiKey: 'sk-test', model: 'text-embedding-3-large' }).embed(texts);

    expect(requests.map((r) => r.body.input.length)).toEqual([256, 256, 88]);
    expect(requests.every((r) => r.body.model === 'text-embedding-3-large')).toBe(true);
    expect(requests[1]!.body.input[0]).toBe(texts[256]);
    expect(vectors).toHaveLength(600);
    closeTo(vectors[0], fakeVector(texts[0]!));
    closeTo(vectors[599], fakeVector(texts[599]!));
  });

  it('reads float vectors from a compatible server at EMBEDDINGS_BASE_URL that ignores encoding_format', async () => {
    const { requests } = embeddingsEndpoint('https://llm.internal.test/v1', { floatsOnly: true });
    const embedder = createEmbedder({
      EMBEDDINGS: 'openai',
      EMBEDDINGS_API_KEY: 'local-key',
      EMBEDDINGS_BASE_URL: 'https://llm.internal.test/v1',
      EMBEDDINGS_MODEL: 'nomic-embed-text',
    } as Cloudflare.Env);
    const [vector] = await embedder.embed(['Where is my parcel?']);

    expect(embedder.name).toBe('openai:nomic-embed-text');
    expect(requests[0]!.body.model).toBe('nomic-embed-text');
    closeTo(vector, fakeVector('Where is my parcel?'));
  });

  it('fails with the upstream status and message, without retrying a rejected key', async () => {
    let calls = 0;
    server.use(
      http.post('https://api.openai.com/v1/embeddings', () => {
        calls++;
        return HttpResponse.json(
          { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } },
          { status: 401 },
        );
      }),
    );
    await expect(openAiEmbedder({ apiKey: 'sk-wrong' }).embed(['hello'])).rejects.toThrow(
      /401.*Incorrect API key provided/,
    );
    expect(calls).toBe(1);
  });

  it('retries a rate-limited request, then succeeds', async () => {
    embeddingsEndpoint('https://api.openai.com/v1');
    let calls = 0;
    // Handlers added later are asked first: this one answers the first request, then passes.
    server.use(
      http.post('https://api.openai.com/v1/embeddings', () => {
        calls++;
        return calls === 1
          ? HttpResponse.json(
              { error: { message: 'Rate limit reached', type: 'requests' } },
              { status: 429, headers: { 'retry-after-ms': '1' } },
            )
          : undefined;
      }),
    );
    const [vector] = await openAiEmbedder({ apiKey: 'sk-test' }).embed(['hello']);
    closeTo(vector, fakeVector('hello'));
    expect(calls).toBe(2);
  });

  it('refuses an answer with fewer vectors than texts rather than misaligning chunks', async () => {
    embeddingsEndpoint('https://api.openai.com/v1', { drop: 1 });
    await expect(openAiEmbedder({ apiKey: 'sk-test' }).embed(['a', 'b'])).rejects.toThrow(
      'OpenAI text-embedding-3-small returned 1 embeddings for 2 texts',
    );
  });
});

/** A Workers AI binding as it answers for @cf/baai/bge-* models: `{ shape: [n, 768], data }`. */
function fakeAi(answer?: (texts: string[]) => unknown) {
  const calls: { model: string; inputs: { text: string[] } }[] = [];
  const ai = {
    async run(model: string, inputs: { text: string[] }) {
      calls.push({ model, inputs });
      if (answer) return answer(inputs.text);
      return { shape: [inputs.text.length, 768], data: inputs.text.map((t) => fakeVector(t, 768)), pooling: 'mean' };
    },
  } as unknown as Ai;
  return { ai, calls };
}

describe('Workers AI embeddings adapter', () => {
  it('runs bge-base with the texts and returns one 768-dimension vector per text', async () => {
    const { ai, calls } = fakeAi();
    const embedder = workersAiEmbedder(ai);
    const vectors = await embedder.embed(['Refunds take 14 days', 'Hi']);

    expect(calls).toEqual([{ model: '@cf/baai/bge-base-en-v1.5', inputs: { text: ['Refunds take 14 days', 'Hi'] } }]);
    expect(vectors).toHaveLength(2);
    closeTo(vectors[0], fakeVector('Refunds take 14 days', 768));
    closeTo(vectors[1], fakeVector('Hi', 768));
    expect(embedder.dimensions).toBe(768);
  });

  it('sends at most 100 texts per run and keeps the order', async () => {
    const { ai, calls } = fakeAi();
    const texts = Array.from({ length: 250 }, (_, i) => 'y'.repeat(i + 1));
    const vectors = await workersAiEmbedder(ai).embed(texts);

    expect(calls.map((c) => c.inputs.text.length)).toEqual([100, 100, 50]);
    expect(calls[2]!.inputs.text[0]).toBe(texts[200]);
    expect(vectors).toHaveLength(250);
    closeTo(vectors[249], fakeVector(texts[249]!, 768));
  });

  it('fails clearly when the model answers without the expected embeddings', async () => {
    await expect(workersAiEmbedder(fakeAi(() => ({ shape: [0, 768] })).ai).embed(['a'])).rejects.toThrow(
      'Workers AI returned 0 embeddings for 1 texts',
    );
    const short = fakeAi((texts) => ({ shape: [1, 768], data: [fakeVector(texts[0]!, 768)] })).ai;
    await expect(workersAiEmbedder(short).embed(['a', 'b'])).rejects.toThrow(
      'Workers AI returned 1 embeddings for 2 texts',
    );
  });

  it('passes an error of the binding on, so ingestion can retry', async () => {
    const failing = {
      run: async () => {
        throw new Error('AiError: 3040: Capacity temporarily exceeded');
      },
    } as unknown as Ai;
    await expect(workersAiEmbedder(failing).embed(['a'])).rejects.toThrow('Capacity temporarily exceeded');
  });
});
