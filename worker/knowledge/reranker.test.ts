import { describe, expect, it } from 'vitest';
import { applyScores, createReranker, RERANKER_MODEL, workersAiReranker } from './reranker';

function fakeAi(respond: (input: { query: string; contexts: { text: string }[] }) => unknown) {
  const calls: { model: string; input: { query: string; contexts: { text: string }[]; top_k?: number } }[] = [];
  const ai = {
    run: async (model: string, input: { query: string; contexts: { text: string }[] }) => {
      calls.push({ model, input });
      return respond(input);
    },
  } as unknown as Ai;
  return { ai, calls };
}

describe('Workers AI reranker', () => {
  it('sends the question and every passage, and returns the scores in the passages order', async () => {
    const { ai, calls } = fakeAi(() => ({
      response: [
        { id: 1, score: 0.9 },
        { id: 0, score: 0.2 },
      ],
    }));
    const scores = await workersAiReranker(ai).score('where is my parcel', ['Returns policy', 'Tracking your parcel']);
    expect(scores).toEqual([0.2, 0.9]);
    expect(calls).toEqual([
      {
        model: RERANKER_MODEL,
        input: {
          query: 'where is my parcel',
          contexts: [{ text: 'Returns policy' }, { text: 'Tracking your parcel' }],
          top_k: 2,
        },
      },
    ]);
  });

  it('fails rather than misalign when a passage comes back without a score', async () => {
    const { ai } = fakeAi(() => ({ response: [{ id: 0, score: 0.5 }] }));
    await expect(workersAiReranker(ai).score('q', ['a', 'b'])).rejects.toThrow('scored 1 of 2 passages');
  });

  it('is used only with the AI binding and model embeddings', () => {
    const { ai } = fakeAi(() => ({}));
    expect(createReranker({} as Cloudflare.Env)).toBeNull();
    expect(createReranker({ AI: ai, EMBEDDINGS: 'local' } as Cloudflare.Env)).toBeNull();
    expect(createReranker({ AI: ai } as Cloudflare.Env)?.name).toBe(RERANKER_MODEL);
  });

  it('orders items by the reranker scores, ties kept in their fused order', () => {
    const items = [
      { id: 'a', score: 0.03 },
      { id: 'b', score: 0.02 },
      { id: 'c', score: 0.01 },
    ];
    expect(applyScores(items, [0.1, 0.7, 0.1])).toEqual([
      { id: 'b', score: 0.7 },
      { id: 'a', score: 0.1 },
      { id: 'c', score: 0.1 },
    ]);
  });
});
