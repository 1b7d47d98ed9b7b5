import { describe, expect, it } from 'vitest';
import { conceptsOf, lemmas, relatedWords } from './lexicon';

describe('lexicon (WordNet, compiled at build time)', () => {
  it('finds base forms with the detachment rules, undoing a doubled consonant', () => {
    expect(lemmas('vanished')).toEqual(['vanish']);
    expect(lemmas('stopped')).toContain('stop');
    expect(lemmas('notifications')).toEqual(['notification']);
  });

  it('relates a customer word to the documents word: synonyms and derivations, not the word itself', () => {
    const vanished = relatedWords('vanished');
    expect(vanished).toContain('disappear');
    expect(vanished).not.toContain('vanish');
    expect(relatedWords('notified')).toContain('notification');
  });

  it('knows nothing of words outside the lexicon', () => {
    expect(conceptsOf('helpstack')).toEqual([]);
    expect(relatedWords('helpstack')).toEqual([]);
  });
});
