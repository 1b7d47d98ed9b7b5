// The vector-store port: Vectorize in production, exact cosine over Float32 blobs in D1 locally.
import type { Db } from '../db/client';

export interface StoredVector {
  chunkId: string;
  organizationId: string;
  groupId: string;
  articleId: string;
  vector: Float32Array;
}

export interface VectorQuery {
  organizationId: string;
  /** Restrict to these groups; undefined means every group of the organisation. */
  groupIds?: string[];
  topK: number;
}

export interface VectorMatch {
  chunkId: string;
  score: number;
}

export interface VectorStore {
  upsert(vectors: StoredVector[]): Promise<void>;
  query(vector: Float32Array, query: VectorQuery): Promise<VectorMatch[]>;
  deleteByArticle(articleId: string): Promise<void>;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** The k best candidates by cosine similarity; vectors of another dimension (another embedder) are skipped. */
export function exactTopK(
  query: Float32Array,
  candidates: Iterable<{ id: string; vector: Float32Array }>,
  k: number,
): VectorMatch[] {
  const best: VectorMatch[] = [];
  for (const { id, vector } of candidates) {
    if (vector.length !== query.length) continue;
    const score = cosine(query, vector);
    if (best.length === k && score <= best[k - 1]!.score) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.score < score) at--;
    best.splice(at, 0, { chunkId: id, score });
    if (best.length > k) best.pop();
  }
  return best;
}

/** D1 hands blobs back as ArrayBuffer or as an array of byte values depending on the path. */
export function toFloat32(value: ArrayBuffer | ArrayBufferView | number[]): Float32Array {
  if (value instanceof ArrayBuffer) return new Float32Array(value.slice(0));
  if (ArrayBuffer.isView(value)) {
    return new Float32Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  }
  return new Float32Array(Uint8Array.from(value).buffer);
}

const UPDATE_BATCH = 50;

export function d1VectorStore(db: Db): VectorStore {
  const d1 = db.$client;
  return {
    async upsert(vectors) {
      const statement = d1.prepare('UPDATE knowledge_chunks SET embedding = ? WHERE id = ? AND organization_id = ?');
      for (let i = 0; i < vectors.length; i += UPDATE_BATCH) {
        await d1.batch(
          vectors
            .slice(i, i + UPDATE_BATCH)
            .map((v) => statement.bind(new Uint8Array(v.vector.buffer.slice(0)), v.chunkId, v.organizationId)),
        );
      }
    },
    async query(vector, { organizationId, groupIds, topK }) {
      if (groupIds?.length === 0) return [];
      const groupFilter = groupIds ? `AND c.group_id IN (${groupIds.map(() => '?').join(',')})` : '';
      const { results } = await d1
        .prepare(
          `SELECT c.id, c.embedding FROM knowledge_chunks c
           JOIN knowledge_articles a ON a.id = c.article_id
           WHERE c.organization_id = ? AND a.status = 'READY' AND c.embedding IS NOT NULL ${groupFilter}`,
        )
        .bind(organizationId, ...(groupIds ?? []))
        .all<{ id: string; embedding: ArrayBuffer | number[] }>();
      return exactTopK(
        vector,
        results.map((r) => ({ id: r.id, vector: toFloat32(r.embedding) })),
        topK,
      );
    },
    async deleteByArticle(articleId) {
      await d1.prepare('UPDATE knowledge_chunks SET embedding = NULL WHERE article_id = ?').bind(articleId).run();
    },
  };
}

const VECTORIZE_BATCH = 500;

/** Filtering needs Vectorize metadata indexes on organizationId and groupId (`wrangler vectorize create-metadata-index`). */
export function vectorizeStore(index: VectorizeIndex, db: Db): VectorStore {
  return {
    async upsert(vectors) {
      for (let i = 0; i < vectors.length; i += VECTORIZE_BATCH) {
        await index.upsert(
          vectors.slice(i, i + VECTORIZE_BATCH).map((v) => ({
            id: v.chunkId,
            values: v.vector,
            metadata: { organizationId: v.organizationId, groupId: v.groupId, articleId: v.articleId },
          })),
        );
      }
    },
    async query(vector, { organizationId, groupIds, topK }) {
      if (groupIds?.length === 0) return [];
      const filter: VectorizeVectorMetadataFilter = { organizationId };
      if (groupIds) filter.groupId = { $in: groupIds };
      const { matches } = await index.query(vector, { topK: Math.min(topK, 100), filter, returnMetadata: 'none' });
      return matches.map((m) => ({ chunkId: m.id, score: m.score }));
    },
    async deleteByArticle(articleId) {
      const { results } = await db.$client
        .prepare('SELECT id FROM knowledge_chunks WHERE article_id = ?')
        .bind(articleId)
        .all<{ id: string }>();
      for (let i = 0; i < results.length; i += VECTORIZE_BATCH) {
        await index.deleteByIds(results.slice(i, i + VECTORIZE_BATCH).map((r) => r.id));
      }
    },
  };
}

export function createVectorStore(env: Cloudflare.Env, db: Db): VectorStore {
  if (env.VECTORIZE && env.EMBEDDINGS !== 'local') return vectorizeStore(env.VECTORIZE, db);
  return d1VectorStore(db);
}
