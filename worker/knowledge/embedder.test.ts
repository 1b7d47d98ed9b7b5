import { describe, expect, it } from 'vitest';
import { createEmbedder, hashedNgramVector, localEmbedder } from './embedder';
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
