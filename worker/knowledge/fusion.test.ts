import { describe, expect, it } from 'vitest';
import { aggregateByArticle, reciprocalRankFusion, spreadOverArticles } from './fusion';

describe('reciprocal rank fusion', () => {
  it('credits an id found by several lists once per list', () => {
    expect(reciprocalRankFusion([['a', 'b'], ['b']]).map((f) => f.id)).toEqual(['b', 'a']);
  });

  it('weights each list: a list at weight 0 changes nothing', () => {
    const fused = reciprocalRankFusion(
      [
        ['a', 'b'],
        ['b', 'c'],
      ],
      60,
      [1, 0],
    );
    expect(fused.map((f) => f.id)).toEqual(['a', 'b', 'c']);
    expect(fused[2]!.score).toBe(0);
  });
});

describe('article aggregation', () => {
  const article: Record<string, string> = { a1: 'A', a2: 'A', b1: 'B', c1: 'C' };
  it('ranks an article by its best chunk plus a share of its others, and keeps its chunks together', () => {
    const ranked = aggregateByArticle(
      [
        { id: 'b1', score: 10 },
        { id: 'a1', score: 8 },
        { id: 'c1', score: 5 },
        { id: 'a2', score: 7 },
      ],
      (m) => article[m.id],
    );
    // A: 8 + 0.3 × 7 = 10.1 > B: 10
    expect(ranked.map((m) => m.id)).toEqual(['a1', 'a2', 'b1', 'c1']);
  });

  it('keeps items without a known article, after the others', () => {
    const ranked = aggregateByArticle(
      [
        { id: 'x', score: 99 },
        { id: 'c1', score: 1 },
      ],
      (m) => article[m.id],
    );
    expect(ranked.map((m) => m.id)).toEqual(['c1', 'x']);
  });
});

describe('spreading results over articles', () => {
  it("puts each article's best item first, in rank order, then the second best of each, keeping every item", () => {
    const ranked = ['a1', 'a2', 'a3', 'b1', 'b2', 'c1'];
    expect(spreadOverArticles(ranked, (id) => id[0]!)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('leaves a ranking of distinct articles, or an empty one, as it is', () => {
    expect(spreadOverArticles(['c1', 'a1', 'b1'], (id) => id[0]!)).toEqual(['c1', 'a1', 'b1']);
    expect(spreadOverArticles([], (id: string) => id)).toEqual([]);
  });
});
