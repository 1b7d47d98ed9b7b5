// Reciprocal rank fusion: merges ranked lists from different retrievers without comparing their scores.

export const RRF_K = 60;

/** Fused score per id, best first; an id found by several retrievers is counted once, with each rank's credit. */
export function reciprocalRankFusion(rankings: string[][], k = RRF_K): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, index) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + index + 1));
    });
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
