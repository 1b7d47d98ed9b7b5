// The embeddings port: Workers AI or OpenAI in production, a deterministic hashed-n-gram embedder locally
// (no network, no keys), chosen by configuration.
import OpenAI from 'openai';

export interface Embedder {
  /** Identifies the vector space, so vectors from another embedder are never compared. */
  readonly name: string;
  readonly dimensions: number;
  /** Cosine similarity below which a match is noise rather than relevance (each model has its own scale). */
  readonly minSimilarity: number;
  /**
   * Weight of this embedder's ranking when fused with keyword results. The local hashed n-grams measured as a
   * drag on both question sets of bench/rag.mjs (they match shared boilerplate, not meaning), so they get 0
   * and search skips them; model embeddings get full weight.
   */
  readonly fusionWeight: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

const LOCAL_DIMENSIONS = 512;
// Trigrams are many per word; damped so that whole-word matches dominate.
const TRIGRAM_WEIGHT = 0.4;

export const STOPWORDS = new Set(
  (
    'a an and are as at be but by can do does for from has have how i if in into is it its me my no not of on or ' +
    'our so that the their then there these this to was we what when where which who why will with you your'
  ).split(' '),
);

export function words(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Feature hashing of word unigrams, word bigrams and character trigrams; log-tf, signed, L2-normalised. */
export function hashedNgramVector(text: string, dimensions = LOCAL_DIMENSIONS): Float32Array {
  const counts = new Map<string, number>();
  const add = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);
  const content = words(text).filter((w) => !STOPWORDS.has(w));
  for (let i = 0; i < content.length; i++) {
    const word = content[i]!;
    add(`w:${word}`);
    if (i > 0) add(`b:${content[i - 1]} ${word}`);
    // Trigrams give partial credit to inflections and typos ("refunds" ~ "refund").
    const padded = ` ${word} `;
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`);
  }
  const vector = new Float32Array(dimensions);
  for (const [feature, tf] of counts) {
    const hash = fnv1a(feature);
    const sign = hash & 0x80000000 ? -1 : 1;
    const weight = (feature.startsWith('c:') ? TRIGRAM_WEIGHT : 1) * (1 + Math.log(tf));
    vector[hash % dimensions]! += sign * weight;
  }
  return normalise(vector);
}

export function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}

export const localEmbedder: Embedder = {
  name: `local-hashed-ngrams-${LOCAL_DIMENSIONS}`,
  dimensions: LOCAL_DIMENSIONS,
  // Unrelated texts share only hash collisions and stray trigrams: below 0.1 in practice.
  minSimilarity: 0.1,
  fusionWeight: 0,
  embed: async (texts) => texts.map((t) => hashedNgramVector(t)),
};

/** Vectors are matched to chunks by position, so a short answer must fail rather than misalign them. */
function expectCount(service: string, received: number, sent: number): void {
  if (received !== sent) throw new Error(`${service} returned ${received} embeddings for ${sent} texts`);
}

const WORKERS_AI_MODEL = '@cf/baai/bge-base-en-v1.5';
const WORKERS_AI_BATCH = 100;

export function workersAiEmbedder(ai: Ai): Embedder {
  return {
    name: WORKERS_AI_MODEL,
    dimensions: 768,
    // BGE similarities of unrelated texts sit around 0.4–0.6 (the model card's stated distribution).
    minSimilarity: 0.6,
    fusionWeight: 1,
    async embed(texts) {
      const vectors: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += WORKERS_AI_BATCH) {
        const batch = texts.slice(i, i + WORKERS_AI_BATCH);
        const result = (await ai.run(WORKERS_AI_MODEL, { text: batch })) as { data?: number[][] };
        expectCount('Workers AI', result.data?.length ?? 0, batch.length);
        for (const row of result.data!) vectors.push(Float32Array.from(row));
      }
      return vectors;
    },
  };
}

const OPENAI_BATCH = 256;

export function openAiEmbedder(options: { apiKey: string; baseURL?: string; model?: string }): Embedder {
  const model = options.model ?? 'text-embedding-3-small';
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL });
  return {
    name: `openai:${model}`,
    dimensions: model === 'text-embedding-3-large' ? 3072 : 1536,
    minSimilarity: 0.2,
    fusionWeight: 1,
    async embed(texts) {
      const vectors: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += OPENAI_BATCH) {
        const batch = texts.slice(i, i + OPENAI_BATCH);
        // Explicit floats: the SDK otherwise asks for base64 and decodes it blindly, which turns the float
        // arrays of compatible servers that ignore encoding_format (EMBEDDINGS_BASE_URL) into garbage.
        const response = await client.embeddings.create({ model, input: batch, encoding_format: 'float' });
        expectCount(`OpenAI ${model}`, response.data.length, batch.length);
        const ordered = [...response.data].sort((a, b) => a.index - b.index);
        for (const item of ordered) vectors.push(Float32Array.from(item.embedding));
      }
      return vectors;
    },
  };
}

export function createEmbedder(env: Cloudflare.Env): Embedder {
  if (env.EMBEDDINGS === 'openai' && env.EMBEDDINGS_API_KEY) {
    return openAiEmbedder({
      apiKey: env.EMBEDDINGS_API_KEY,
      baseURL: env.EMBEDDINGS_BASE_URL,
      model: env.EMBEDDINGS_MODEL,
    });
  }
  if (env.AI && env.EMBEDDINGS !== 'local') return workersAiEmbedder(env.AI);
  return localEmbedder;
}
