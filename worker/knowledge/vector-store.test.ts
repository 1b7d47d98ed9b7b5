import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../db/client';
import { knowledgeChunks, organizations } from '../db/schema';
import { createManualArticle, deleteArticle, updateArticle } from './articles';
import { createGroup, deleteGroup } from './groups';
import { searchKnowledge } from './search';
import { cosine, createVectorStore, type StoredVector, vectorizeStore } from './vector-store';

type Metadata = Record<string, VectorizeVectorMetadata>;

/**
 * An in-memory Vectorize index with the binding's semantics: cosine scores, best first; metadata filters
 * ($eq implied, $ne, $in, $nin) on metadata-indexed fields only (a filter on any other field matches
 * nothing, as in Vectorize); topK at most 100 without values or full metadata, else 20; a fixed dimension;
 * at most 1000 vectors or ids per mutation.
 */
function fakeVectorize(dimensions: number, indexedFields = ['organizationId', 'groupId']) {
  const vectors = new Map<string, { values: number[]; metadata: Metadata; namespace?: string }>();
  const calls = {
    upsert: [] as VectorizeVector[][],
    query: [] as { vector: number[]; options: VectorizeQueryOptions }[],
    deleteByIds: [] as string[][],
  };

  const matchesField = (value: VectorizeVectorMetadata | undefined, condition: unknown): boolean => {
    if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) return value === condition;
    return Object.entries(condition as Record<string, unknown>).every(([op, operand]) => {
      if (op === '$eq') return value === operand;
      if (op === '$ne') return value !== operand;
      if (op === '$in') return (operand as unknown[]).includes(value);
      if (op === '$nin') return !(operand as unknown[]).includes(value);
      throw new Error(`Unsupported filter operator ${op}`);
    });
  };

  const index = {
    async upsert(batch: VectorizeVector[]) {
      if (batch.length > 1000) throw new Error('VECTOR_UPSERT_ERROR: at most 1000 vectors per request');
      calls.upsert.push(batch);
      for (const v of batch) {
        if (v.values.length !== dimensions) {
          throw new Error(`VECTOR_UPSERT_ERROR: vector ${v.id} has ${v.values.length} dimensions, want ${dimensions}`);
        }
        vectors.set(v.id, { values: Array.from(v.values), metadata: { ...v.metadata }, namespace: v.namespace });
      }
      return { mutationId: crypto.randomUUID() };
    },
    async query(vector: VectorFloatArray | number[], options: VectorizeQueryOptions = {}) {
      const values = Array.from(vector);
      calls.query.push({ vector: values, options });
      const topK = options.topK ?? 5;
      const full = options.returnValues || options.returnMetadata === 'all' || options.returnMetadata === true;
      if (topK > (full ? 20 : 100)) throw new Error(`VECTOR_QUERY_ERROR: topK ${topK} is too large`);
      if (values.length !== dimensions) throw new Error('VECTOR_QUERY_ERROR: dimension mismatch');
      const filter = Object.entries(options.filter ?? {});
      const matches = [...vectors.entries()]
        .filter(([, v]) => options.namespace === undefined || v.namespace === options.namespace)
        .filter(([, v]) =>
          filter.every(
            ([field, condition]) => indexedFields.includes(field) && matchesField(v.metadata[field], condition),
          ),
        )
        .map(([id, v]) => ({
          id,
          score: cosine(Float32Array.from(values), Float32Array.from(v.values)),
          ...(options.returnValues ? { values: v.values } : {}),
          ...(options.returnMetadata && options.returnMetadata !== 'none' ? { metadata: v.metadata } : {}),
        }))
        .sort((a, b) => b.score - a.score)
        .slice(0, topK);
      return { matches, count: matches.length };
    },
    async deleteByIds(ids: string[]) {
      if (ids.length > 1000) throw new Error('VECTOR_DELETE_ERROR: at most 1000 ids per request');
      calls.deleteByIds.push(ids);
      for (const id of ids) vectors.delete(id);
      return { mutationId: crypto.randomUUID() };
    },
  };
  return { index: index as unknown as VectorizeIndex, vectors, calls };
}

const db = createDb(env.DB);

async function organization(name: string): Promise<string> {
  const [org] = await db.insert(organizations).values({ name }).returning({ id: organizations.id });
  return org!.id;
}

const unit = (axis: number, dimensions = 4) =>
  Float32Array.from({ length: dimensions }, (_, i) => (i === axis ? 1 : 0));

const stored = (chunkId: string, organizationId: string, groupId: string, vector: Float32Array): StoredVector => ({
  chunkId,
  organizationId,
  groupId,
  articleId: `article-of-${chunkId}`,
  vector,
});

describe('Vectorize store', () => {
  it('upserts each chunk under its id with organisation, group and article metadata, 500 at a time', async () => {
    const fake = fakeVectorize(4);
    const store = vectorizeStore(fake.index, db);
    const vectors = Array.from({ length: 1201 }, (_, i) => stored(`c-${i}`, 'org-a', `g-${i % 2}`, unit(i % 4)));
    await store.upsert(vectors);

    expect(fake.calls.upsert.map((batch) => batch.length)).toEqual([500, 500, 201]);
    expect(fake.vectors.size).toBe(1201);
    const sent = fake.calls.upsert[2]![0]!;
    expect(sent.id).toBe('c-1000');
    expect(Array.from(sent.values)).toEqual([1, 0, 0, 0]);
    expect(sent.metadata).toEqual({ organizationId: 'org-a', groupId: 'g-0', articleId: 'article-of-c-1000' });
  });

  it('queries within the organisation and the given groups and maps matches back to chunk ids, best first', async () => {
    const fake = fakeVectorize(4);
    const store = vectorizeStore(fake.index, db);
    await store.upsert([
      stored('near', 'org-a', 'shipping', Float32Array.from([0.9, 0.1, 0, 0])),
      stored('exact', 'org-a', 'shipping', unit(0)),
      stored('other-group', 'org-a', 'returns', unit(0)),
      stored('other-org', 'org-b', 'shipping', unit(0)),
      stored('far', 'org-a', 'faq', unit(1)),
    ]);

    const inGroups = await store.query(unit(0), { organizationId: 'org-a', groupIds: ['shipping', 'faq'], topK: 5 });
    expect(inGroups.map((m) => m.chunkId)).toEqual(['exact', 'near', 'far']);
    expect(inGroups[0]!.score).toBeCloseTo(1, 5);
    expect(inGroups[1]!.score).toBeCloseTo(cosine(unit(0), Float32Array.from([0.9, 0.1, 0, 0])), 5);
    expect(fake.calls.query[0]!.options).toEqual({
      topK: 5,
      filter: { organizationId: 'org-a', groupId: { $in: ['shipping', 'faq'] } },
      returnMetadata: 'none',
    });

    const wholeOrg = await store.query(unit(0), { organizationId: 'org-a', topK: 2 });
    expect(wholeOrg.map((m) => m.chunkId).sort()).toEqual(['exact', 'other-group']);
    expect(fake.calls.query[1]!.options.filter).toEqual({ organizationId: 'org-a' });
  });

  it('caps topK at what Vectorize allows and asks nothing when no group may be read', async () => {
    const fake = fakeVectorize(4);
    const store = vectorizeStore(fake.index, db);
    await store.upsert([stored('a', 'org-a', 'g', unit(0))]);

    expect(await store.query(unit(0), { organizationId: 'org-a', topK: 500 })).toHaveLength(1);
    expect(fake.calls.query[0]!.options.topK).toBe(100);

    expect(await store.query(unit(0), { organizationId: 'org-a', groupIds: [], topK: 5 })).toEqual([]);
    expect(fake.calls.query).toHaveLength(1);
  });

  it('is chosen when the VECTORIZE binding exists, unless EMBEDDINGS=local', async () => {
    const fake = fakeVectorize(4);
    await createVectorStore({ VECTORIZE: fake.index } as Cloudflare.Env, db).upsert([stored('x', 'o', 'g', unit(0))]);
    expect(fake.calls.upsert).toHaveLength(1);
    const local = createVectorStore({ VECTORIZE: fake.index, EMBEDDINGS: 'local' } as Cloudflare.Env, db);
    await local.upsert([stored('y', 'o', 'g', unit(0))]);
    expect(fake.calls.upsert).toHaveLength(1);
  });
});

/** Workers AI as it answers for bge models, with a stand-in "meaning": one axis per topic. */
const TOPICS = [/parcel|shipping|deliver/i, /refund|money back/i];
const topicAi = {
  async run(_model: string, { text }: { text: string[] }) {
    const data = text.map((t) => {
      const topic = TOPICS.findIndex((re) => re.test(t));
      return Array.from(unit(topic === -1 ? TOPICS.length : topic, 768));
    });
    return { shape: [text.length, 768], data };
  },
} as unknown as Ai;

describe('knowledge indexing and search on Vectorize', () => {
  let organizationId: string;
  let fake: ReturnType<typeof fakeVectorize>;
  let productionEnv: Cloudflare.Env;

  beforeAll(async () => {
    organizationId = await organization('Vector Org');
    fake = fakeVectorize(768);
    productionEnv = { ...env, AI: topicAi, VECTORIZE: fake.index, EMBEDDINGS: undefined } as Cloudflare.Env;
  });

  const chunkIdsOf = async (articleId: string) =>
    (
      await db.select({ id: knowledgeChunks.id }).from(knowledgeChunks).where(eq(knowledgeChunks.articleId, articleId))
    ).map((c) => c.id);

  it('indexes an article into Vectorize and answers a question that shares no word with it', async () => {
    const shipping = await createGroup(db, organizationId, { name: 'Shipping' });
    const returns = await createGroup(db, organizationId, { name: 'Returns' });
    const article = await createManualArticle(productionEnv, db, organizationId, {
      groupId: shipping.id,
      title: 'Dispatch',
      content: 'Orders leave our warehouse within two days by DHL shipping.',
    });
    expect(article.status).toBe('READY');

    const chunkIds = await chunkIdsOf(article.id);
    expect(chunkIds.length).toBeGreaterThan(0);
    for (const id of chunkIds) {
      expect(fake.vectors.get(id)?.metadata).toEqual({ organizationId, groupId: shipping.id, articleId: article.id });
    }
    // Vectors live in Vectorize, not in D1.
    const [row] = await db.select().from(knowledgeChunks).where(eq(knowledgeChunks.id, chunkIds[0]!));
    expect(row!.embedding).toBeNull();

    const passages = await searchKnowledge(productionEnv, db, { organizationId, query: 'Where is my parcel?' });
    expect(passages.map((p) => [p.articleId, p.title])).toEqual([[article.id, 'Dispatch']]);
    expect(passages[0]!.text).toContain('DHL shipping');

    const otherGroup = await searchKnowledge(productionEnv, db, {
      organizationId,
      query: 'Where is my parcel?',
      groupIds: [returns.id],
    });
    expect(otherGroup).toEqual([]);
    expect(fake.calls.query.at(-1)!.options.filter).toEqual({ organizationId, groupId: { $in: [returns.id] } });

    const otherOrg = await organization('Someone else');
    expect(
      await searchKnowledge(productionEnv, db, { organizationId: otherOrg, query: 'Where is my parcel?' }),
    ).toEqual([]);
  });

  it('replaces the vectors when an article is edited and removes them when it or its group is deleted', async () => {
    const group = await createGroup(db, organizationId, { name: 'Refunds' });
    const article = await createManualArticle(productionEnv, db, organizationId, {
      groupId: group.id,
      title: 'Refunds',
      content: 'Refunds reach your card within 14 days.',
    });
    const before = await chunkIdsOf(article.id);

    await updateArticle(productionEnv, db, organizationId, article.id, {
      content: 'Refunds reach your card within 5 days.\n\nA refund for a gift card goes to a new gift card.',
    });
    const after = await chunkIdsOf(article.id);
    for (const id of before) expect(fake.vectors.has(id)).toBe(false);
    for (const id of after) expect(fake.vectors.get(id)?.metadata?.articleId).toBe(article.id);
    const [passage] = await searchKnowledge(productionEnv, db, {
      organizationId,
      query: 'can I get my money back',
      groupIds: [group.id],
    });
    expect(passage!.text).toContain('within 5 days');

    await deleteArticle(productionEnv, db, organizationId, article.id);
    for (const id of after) expect(fake.vectors.has(id)).toBe(false);

    const second = await createManualArticle(productionEnv, db, organizationId, {
      groupId: group.id,
      title: 'Refund exceptions',
      content: 'Sale items get no refund.',
    });
    const secondIds = await chunkIdsOf(second.id);
    expect(secondIds.every((id) => fake.vectors.has(id))).toBe(true);
    await deleteGroup(productionEnv, db, organizationId, group.id);
    expect(secondIds.some((id) => fake.vectors.has(id))).toBe(false);
  });
});
