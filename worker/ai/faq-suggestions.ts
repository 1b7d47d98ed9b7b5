// AI-suggested FAQs drawn from READY knowledge-base articles. Suggestions are not saved: the admin
// accepts one by creating it through /api/faqs.
import { and, desc, eq, inArray } from 'drizzle-orm';
import { estimateTokens, metered } from '../billing/metering';
import type { Db } from '../db/client';
import { knowledgeArticles } from '../db/schema';
import type { AppBindings } from '../env';
import { UpstreamError } from '../lib/errors';
import type { ChatModelOptions } from './chat-model';
import { providerForChannel } from './provider-config';
import { chatModelFor } from './providers';
import { faqsFromArticle } from './providers/builtin';

export interface FaqSuggestion {
  question: string;
  answer: string;
  sourceArticleId: string;
}

const MAX_ARTICLES = 8;
const ARTICLE_EXCERPT_CHARS = 3000;
/** Tokens held per suggested entry for the model's answer; what is unused goes back. */
const FAQ_OUTPUT_ESTIMATE_PER_ENTRY = 200;

function fromModelText(text: string, articleIds: Set<string>, count: number): FaqSuggestion[] {
  const json = text.slice(text.indexOf('['), text.lastIndexOf(']') + 1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new UpstreamError('The AI provider did not return FAQ suggestions in the expected JSON form');
  }
  if (!Array.isArray(parsed)) return [];
  const suggestions: FaqSuggestion[] = [];
  for (const item of parsed) {
    const { question, answer, sourceArticleId } = (item ?? {}) as Record<string, unknown>;
    if (typeof question !== 'string' || typeof answer !== 'string' || typeof sourceArticleId !== 'string') continue;
    if (!articleIds.has(sourceArticleId) || !question.trim() || !answer.trim()) continue;
    suggestions.push({
      question: question.trim().slice(0, 280),
      answer: answer.trim().slice(0, 2000),
      sourceArticleId,
    });
  }
  return suggestions.slice(0, count);
}

export async function suggestFaqs(
  env: AppBindings,
  db: Db,
  input: { organizationId: string; groupIds?: string[]; count?: number },
  options: ChatModelOptions = {},
): Promise<FaqSuggestion[]> {
  const { organizationId } = input;
  const count = input.count ?? 5;
  const articles = await db
    .select({ id: knowledgeArticles.id, title: knowledgeArticles.title, content: knowledgeArticles.content })
    .from(knowledgeArticles)
    .where(
      and(
        eq(knowledgeArticles.organizationId, organizationId),
        eq(knowledgeArticles.status, 'READY'),
        input.groupIds?.length ? inArray(knowledgeArticles.groupId, input.groupIds) : undefined,
      ),
    )
    .orderBy(desc(knowledgeArticles.updatedAt))
    .limit(MAX_ARTICLES);
  if (!articles.length) return [];
  const provider = await providerForChannel(db, organizationId, null);
  const source = articles.map(
    (a) => `Article id: ${a.id}\nTitle: ${a.title}\n${a.content.slice(0, ARTICLE_EXCERPT_CHARS)}`,
  );
  const spec = {
    organizationId,
    reason: 'AI_FAQ',
    referenceId: 'faqs',
    estimate: estimateTokens(source, FAQ_OUTPUT_ESTIMATE_PER_ENTRY * count),
  };
  if (provider.type === 'BUILTIN') {
    return metered(
      db,
      spec,
      async () => articles.flatMap(faqsFromArticle).slice(0, count),
      (suggestions) => ({
        inputTokens: 0,
        outputTokens: Math.ceil(suggestions.reduce((n, s) => n + s.question.length + s.answer.length, 0) / 4),
      }),
    );
  }
  const model = await chatModelFor(env, provider, options);
  const result = await metered(
    db,
    spec,
    () =>
      model.complete({
        system: [
          `Suggest up to ${count} FAQ entries that customers are likely to ask, answered only from the articles below.`,
          'Each question at most 280 characters, each answer at most 2000 characters.',
          'Answer with a JSON array only: [{"question": "...", "answer": "...", "sourceArticleId": "<the id of the article>"}].',
        ].join('\n'),
        messages: [{ role: 'user', content: source.join('\n\n---\n\n') }],
      }),
    (r) => r.usage,
  );
  return fromModelText(result.text, new Set(articles.map((a) => a.id)), count);
}
