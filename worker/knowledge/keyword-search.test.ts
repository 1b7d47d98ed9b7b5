import { describe, expect, it } from 'vitest';
import { EXPANSION_WEIGHT, ftsExpansionTerms, ftsTerms, withExpansion } from './keyword-search';

describe('keyword query expansion', () => {
  it('adds the lexicon relatives of the question words, not the words themselves', () => {
    expect(ftsTerms('my chat vanished')).toBe('"chat" OR "vanished"');
    const expansion = ftsExpansionTerms('my chat vanished')!;
    expect(expansion).toContain('"disappear"');
    expect(expansion).not.toContain('"vanished"');
    expect(expansion).not.toContain('"chat"');
  });

  it('has no expansion for words the lexicon does not know', () => {
    expect(ftsExpansionTerms('helpstack xyzzy')).toBeNull();
  });

  it('scores exact matches first: an expanded match adds only a share of its BM25', () => {
    const merged = withExpansion(
      [
        { chunkId: 'exact', score: 5 },
        { chunkId: 'both', score: 4 },
      ],
      [
        { chunkId: 'related-only', score: 9 },
        { chunkId: 'both', score: 2 },
      ],
      10,
    );
    expect(merged).toEqual([
      { chunkId: 'exact', score: 5 },
      { chunkId: 'both', score: 4 + EXPANSION_WEIGHT * 2 },
      { chunkId: 'related-only', score: EXPANSION_WEIGHT * 9 },
    ]);
    expect(withExpansion([{ chunkId: 'a', score: 1 }], [{ chunkId: 'b', score: 1 }], 1)).toEqual([
      { chunkId: 'a', score: 1 },
    ]);
  });
});
