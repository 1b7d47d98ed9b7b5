import { describe, expect, it } from 'vitest';
import { chunkText } from './chunking';

const sentence = (i: number) => `Sentence number ${i} explains one more detail about the returns process.`;

describe('chunkText', () => {
  it('keeps the heading path of every section and drops empty sections', () => {
    const chunks = chunkText(
      'Intro text before any heading.\n# Shipping\n## Rates\nStandard costs 4.90.\n## Empty\n# Returns\nThirty days.',
    );
    expect(chunks).toEqual([
      { position: 0, heading: null, text: 'Intro text before any heading.' },
      { position: 1, heading: 'Shipping > Rates', text: 'Standard costs 4.90.' },
      { position: 2, heading: 'Returns', text: 'Thirty days.' },
    ]);
  });

  it('cuts long sections into ~800-character chunks on sentence boundaries with overlap', () => {
    const body = Array.from({ length: 60 }, (_, i) => sentence(i)).join(' ');
    const chunks = chunkText(`# Returns\n${body}`);
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(800);
      expect(chunk.text).toMatch(/^Sentence number \d+ .*process\.$/);
      expect(chunk.heading).toBe('Returns');
    }
    for (let i = 1; i < chunks.length; i++) {
      const firstOfNext = chunks[i]!.text.split('. ')[0]!;
      // The next chunk starts with a sentence the previous one already ended with.
      expect(chunks[i - 1]!.text).toContain(firstOfNext);
    }
    const all = chunks.map((c) => c.text).join(' ');
    for (let i = 0; i < 60; i++) expect(all).toContain(sentence(i));
  });

  it('splits a sentence longer than a chunk between words', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const chunks = chunkText(words);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(800);
      expect(chunk.text).toMatch(/^word\d+( word\d+)*$/);
    }
  });

  it('returns nothing for blank text', () => {
    expect(chunkText('  \n\n# Heading only\n')).toEqual([]);
  });
});
