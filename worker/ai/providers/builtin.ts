// The built-in offline provider: answers by extracting the sentences of the best knowledge-base passages
// that match the question, cites them, and says plainly when nothing relevant is known. Deterministic,
// no network, no key: it is what makes AI replies work on a fresh install.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { type AiProvider, aiProviders } from '../../db/schema';
import { relatedWords } from '../../knowledge/lexicon';
import {
  type ChatCitation,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  estimateTokens,
  type GroundingPassage,
} from '../chat-model';

export const BUILTIN_MODEL = 'helpstack-builtin';
export const DONT_KNOW_REPLY = "I don't know the answer to that yet — a teammate will follow up.";

/**
 * Share of the question's meaningful words a passage must contain (a related word counts RELATED_CREDIT) to be
 * answered from; below it the provider hands off. Measured with bench/rag.mjs over both question sets (the
 * "built-in answers" table), on search's 5 passages spread over articles: at 0.6 it cited a wrong article first
 * for 7 % of the customer-wording set and 6 % of the original set (right answers 1 % and 92.5 %); at 0.7 for 3 %
 * and 3 % (right answers 1 % and 88 %, the difference handed off). A hand-off costs a teammate's reply, a wrong
 * citation misleads the customer: 0.7.
 */
export const RELEVANCE_THRESHOLD = 0.7;
/** Credit for a question word whose lexicon relative (synonym, derivation) is in the passage, not the word itself. */
const RELATED_CREDIT = 0.5;
const MAX_SENTENCES = 3;
const MAX_ARTICLES = 2;

const STOPWORDS = new Set(
  `a an and are as at be been but by can could did do does for from had has have hello hi how i if in into is it its
  me my no not of on or our please so than that the their them then there these they this to us was we were what
  when where which who why will with would you your yours about any just get got tell thanks thank want need know`
    .split(/\s+/)
    .filter(Boolean),
);

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  // "boxes", "wishes" lose "es"; "takes", "notes" only their "s".
  if (word.length > 4 && /(?:s|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

export function terms(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return new Set(words.filter((w) => !STOPWORDS.has(w) && (w.length > 1 || /\d/.test(w))).map(stem));
}

/** A question's terms, each with the stems of its lexicon relatives (computed once per question). */
type QuestionTerms = Map<string, string[]>;

function questionTerms(question: string): QuestionTerms {
  const words = question.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const result: QuestionTerms = new Map();
  for (const word of words) {
    if (STOPWORDS.has(word) || (word.length < 2 && !/\d/.test(word))) continue;
    const term = stem(word);
    if (!result.has(term)) result.set(term, relatedWords(word).map(stem));
  }
  return result;
}

function overlap(question: QuestionTerms, text: string): number {
  if (!question.size) return 0;
  const found = terms(text);
  let exact = 0;
  let related = 0;
  for (const [term, relatives] of question) {
    if (found.has(term)) exact++;
    else if (relatives.some((r) => found.has(r))) related++;
  }
  // Relatives only support the customer's own words: a passage sharing none of them is not evidence.
  return exact ? (exact + RELATED_CREDIT * related) / question.size : 0;
}

function sentencesOf(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\p{N}"'(])/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 2);
}

interface Extract {
  passage: GroundingPassage;
  relevance: number;
  sentences: string[];
}

/** The question-relevant sentences of one passage, in their original order. */
function extract(question: QuestionTerms, passage: GroundingPassage): Extract {
  const context = `${passage.title} ${passage.heading ?? ''}`;
  const relevance = overlap(question, `${context} ${passage.text}`);
  const scored = sentencesOf(passage.text).map((sentence, index) => ({
    sentence,
    index,
    score: overlap(question, sentence),
  }));
  const picked = scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, MAX_SENTENCES)
    .sort((a, b) => a.index - b.index)
    .map((s) => s.sentence);
  // A passage matched on its title alone still answers with its opening.
  return { passage, relevance, sentences: picked.length ? picked : scored.slice(0, 2).map((s) => s.sentence) };
}

/** Composes the grounded answer, or the plain "don't know" below the relevance threshold. */
export function composeAnswer(
  question: string,
  passages: GroundingPassage[],
  threshold = RELEVANCE_THRESHOLD,
): { text: string; citations: ChatCitation[] } {
  const wanted = questionTerms(question);
  const extracts = passages
    .map((passage) => extract(wanted, passage))
    .filter((e) => e.relevance >= threshold && e.sentences.length)
    .sort((a, b) => b.relevance - a.relevance || b.passage.score - a.passage.score);
  const used: Extract[] = [];
  for (const e of extracts) {
    if (used.length === MAX_ARTICLES) break;
    if (!used.some((u) => u.passage.articleId === e.passage.articleId)) used.push(e);
  }
  if (!used.length) return { text: DONT_KNOW_REPLY, citations: [] };
  const [first, ...rest] = used;
  const parts = [`According to ${first!.passage.title}: ${first!.sentences.join(' ')}`];
  for (const e of rest) parts.push(`See also ${e.passage.title}: ${e.sentences.join(' ')}`);
  return {
    text: parts.join('\n\n'),
    citations: used.map(({ passage }) => ({
      articleId: passage.articleId,
      title: passage.title,
      url: passage.url ?? null,
    })),
  };
}

export function builtinChatModel(): ChatModel {
  return {
    async complete(request: ChatRequest): Promise<ChatResult> {
      const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
      const question = request.grounding?.question ?? lastUser?.content ?? '';
      const { text, citations } = composeAnswer(question, request.grounding?.passages ?? []);
      const consumed = question + (request.grounding?.passages ?? []).map((p) => p.text).join(' ');
      return {
        text,
        toolCalls: [],
        citations,
        usage: { inputTokens: estimateTokens(consumed), outputTokens: estimateTokens(text) },
      };
    },
  };
}

/** Tidies an agent's draft without a model: whitespace, sentence capitals, closing punctuation. */
export function polishDraft(content: string): string {
  const tidy = content
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/\s+([,.!?;:])/g, '$1')
    .replace(/\bi\b/g, 'I')
    .trim();
  const capitalised = tidy.replace(
    /(^|[.!?]\s+|\n)(\p{Ll})/gu,
    (_, lead: string, ch: string) => lead + ch.toUpperCase(),
  );
  return /[.!?…)"']$/.test(capitalised) || !capitalised ? capitalised : `${capitalised}.`;
}

/** FAQ suggestions drawn from an article: its own questions when it has some, else its title. */
export function faqsFromArticle(article: { id: string; title: string; content: string }) {
  const sentences = sentencesOf(article.content);
  const suggestions: { question: string; answer: string; sourceArticleId: string }[] = [];
  sentences.forEach((sentence, i) => {
    if (!sentence.endsWith('?')) return;
    const answer: string[] = [];
    for (const next of sentences.slice(i + 1)) {
      if (next.endsWith('?') || answer.length === 3) break;
      answer.push(next);
    }
    if (answer.length) suggestions.push({ question: sentence, answer: answer.join(' '), sourceArticleId: article.id });
  });
  if (!suggestions.length && sentences.length) {
    suggestions.push({
      question: `What should I know about ${article.title.replace(/[.?!]+$/, '')}?`,
      answer: sentences.slice(0, 3).join(' '),
      sourceArticleId: article.id,
    });
  }
  return suggestions.map((s) => ({ ...s, question: s.question.slice(0, 280), answer: s.answer.slice(0, 2000) }));
}

/** Makes sure the org has the built-in provider (the default when it has none); used by the dev seed. */
export async function ensureBuiltinProvider(db: Db, organizationId: string): Promise<AiProvider> {
  const [existing] = await db
    .select()
    .from(aiProviders)
    .where(and(eq(aiProviders.organizationId, organizationId), eq(aiProviders.type, 'BUILTIN')));
  if (existing) return existing;
  const [currentDefault] = await db
    .select({ id: aiProviders.id })
    .from(aiProviders)
    .where(and(eq(aiProviders.organizationId, organizationId), eq(aiProviders.isDefault, true)));
  const [created] = await db
    .insert(aiProviders)
    .values({
      organizationId,
      type: 'BUILTIN',
      name: 'Built-in (offline)',
      model: BUILTIN_MODEL,
      isDefault: !currentDefault,
    })
    .returning();
  return created!;
}
