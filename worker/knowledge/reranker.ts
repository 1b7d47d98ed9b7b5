// The reranking port: a cross-encoder (Workers AI bge-reranker-base) scores each candidate passage against
// the question when the AI binding exists; without it (locally, in tests) search keeps its fused order.

export interface Reranker {
  readonly name: string;
  /** One relevance score per passage, in the passages' order (higher is more relevant). */
  score(query: string, passages: string[]): Promise<number[]>;
}

export const RERANKER_MODEL = '@cf/baai/bge-reranker-base';

export function workersAiReranker(ai: Ai): Reranker {
  return {
    name: RERANKER_MODEL,
    async score(query, passages) {
      if (!passages.length) return [];
      // The model takes the question as `query`; the generated binding types leave that field out.
      const input: Ai_Cf_Baai_Bge_Reranker_Base_Input & { query: string } = {
        query,
        contexts: passages.map((text) => ({ text })),
        top_k: passages.length,
      };
      const result = (await ai.run(RERANKER_MODEL, input)) as { response?: { id?: number; score?: number }[] };
      const scores: number[] = Array(passages.length).fill(Number.NaN);
      for (const { id, score } of result.response ?? []) {
        if (id !== undefined && id >= 0 && id < passages.length && typeof score === 'number') scores[id] = score;
      }
      // Scores are matched to passages by index: a partial answer must fail rather than reorder blindly.
      if (scores.some(Number.isNaN)) {
        throw new Error(
          `Workers AI ${RERANKER_MODEL} scored ${result.response?.length ?? 0} of ${passages.length} passages`,
        );
      }
      return scores;
    },
  };
}

/** The reranker for this deployment, or null when there is none (no AI binding, or local embeddings chosen). */
export function createReranker(env: Cloudflare.Env): Reranker | null {
  return env.AI && env.EMBEDDINGS !== 'local' ? workersAiReranker(env.AI) : null;
}

/** Orders items by their reranker scores (stable for ties), each item's score replaced by the reranker's. */
export function applyScores<T extends { score: number }>(items: T[], scores: number[]): T[] {
  return items
    .map((item, index) => ({ item: { ...item, score: scores[index]! }, index }))
    .sort((a, b) => b.item.score - a.item.score || a.index - b.index)
    .map((x) => x.item);
}
