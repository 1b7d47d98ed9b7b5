import { describe, expect, it } from 'vitest';
import type { GroundingPassage } from '../chat-model';
import { composeAnswer, DONT_KNOW_REPLY, faqsFromArticle, polishDraft } from './builtin';

const passages: GroundingPassage[] = [
  {
    articleId: 'a-shipping',
    title: 'Shipping times',
    text: 'We ship from Ljubljana. Orders inside the EU arrive in 3 to 5 working days. Express delivery takes 1 day and costs 9 EUR. Our warehouse is closed on public holidays.',
    score: 0.9,
    url: 'https://help.example.com/shipping',
  },
  {
    articleId: 'a-refunds',
    title: 'Refund policy',
    text: 'You can return any item within 30 days. Refunds are paid to the original card within 5 days of receiving the return.',
    score: 0.4,
  },
];

describe('built-in offline provider', () => {
  it('answers from the matching article with only the relevant sentences, and cites it', () => {
    const { text, citations } = composeAnswer('How long does express delivery take?', passages);
    expect(text.startsWith('According to Shipping times:')).toBe(true);
    expect(text).toContain('Express delivery takes 1 day');
    expect(text).not.toContain('warehouse is closed');
    expect(citations).toEqual([
      { articleId: 'a-shipping', title: 'Shipping times', url: 'https://help.example.com/shipping' },
    ]);
  });

  it('picks the other article when the question is about it', () => {
    const { text, citations } = composeAnswer('Can I get a refund for my return?', passages);
    expect(text).toContain('According to Refund policy');
    expect(citations.map((c) => c.articleId)).toEqual(['a-refunds']);
  });

  it('says plainly that it does not know when nothing relevant is found', () => {
    expect(composeAnswer('What is the weather on Mars?', passages)).toEqual({ text: DONT_KNOW_REPLY, citations: [] });
    expect(composeAnswer('Where is my order?', []).text).toBe(DONT_KNOW_REPLY);
  });

  it('counts a related word (synonym, derivation) as partial evidence, enough with an exact word beside it', () => {
    const missing: GroundingPassage[] = [
      {
        articleId: 'a-missing',
        title: 'Missing conversations',
        text: 'A conversation can disappear from the list when the status filter hides it. Widen the filter.',
        score: 0.5,
      },
    ];
    // "conversation" matches, "vanished" only through "disappear": (1 + 0.5) / 2 ≥ the threshold.
    const { text, citations } = composeAnswer('conversation vanished?', missing);
    expect(text).toContain('A conversation can disappear from the list');
    expect(citations.map((c) => c.articleId)).toEqual(['a-missing']);
  });

  it('hands off instead of citing a passage that shares only some of the question words', () => {
    // Each passage has one of the three words ("express", "refund"): 1/3 is below the threshold.
    expect(composeAnswer('express refund voucher', passages)).toEqual({ text: DONT_KNOW_REPLY, citations: [] });
  });

  it('tidies a draft without changing its words', () => {
    expect(polishDraft('  thanks for waiting ,  i have checked your order  ')).toBe(
      'Thanks for waiting, I have checked your order.',
    );
  });

  it('suggests FAQs from the questions an article answers', () => {
    const faqs = faqsFromArticle({
      id: 'a1',
      title: 'Accounts',
      content:
        'How do I reset my password? Open Settings and choose Reset. A link arrives by email. Can I change my email? Yes, in Settings.',
    });
    expect(faqs).toEqual([
      {
        question: 'How do I reset my password?',
        answer: 'Open Settings and choose Reset. A link arrives by email.',
        sourceArticleId: 'a1',
      },
      { question: 'Can I change my email?', answer: 'Yes, in Settings.', sourceArticleId: 'a1' },
    ]);
  });
});
