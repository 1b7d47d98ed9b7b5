// Keyword retrieval: BM25 over the knowledge_chunks_fts table (migrations/0002_knowledge_search.sql).
import type { Db } from '../db/client';
import { STOPWORDS, words } from './embedder';
import { relatedWords } from './lexicon';

const MAX_TERMS = 24;
const MAX_EXPANSIONS = 48;
/**
 * Share of the thesaurus-expanded query's BM25 score added to a chunk's exact-terms score: related words count,
 * but below the customer's own words (measured in bench/rag.mjs: 0.3 lifts the customer-wording set without
 * moving the original set's top hits).
 */
export const EXPANSION_WEIGHT = 0.3;

/**
 * English function words (NLTK's English stopword list, beyond STOPWORDS): searched when the user writes them, but
 * neither expanded nor added as expansions. Their lexicon relatives are noise ("only" → "solely", "merely"; "just"
 * → "simply"); kept out, the customer-wording set's recall@5 in bench/rag.mjs went from 0.525 to 0.535, the
 * original set's unchanged.
 */
const FUNCTION_WORDS = new Set(
  (
    'about above after again against ain all am any aren because been before being below between both couldn d did ' +
    'didn doesn doing don down during each few further had hadn hasn haven having he her here hers herself him ' +
    'himself his isn itself just ll m ma mightn more most mustn myself needn nor now o off once only other ours ' +
    'ourselves out over own re s same shan she should shouldn some such t than theirs them themselves they those ' +
    'through too under until up ve very wasn were weren while whom won wouldn y yours yourself yourselves'
  ).split(' '),
);

const expandable = (word: string) => !STOPWORDS.has(word) && !FUNCTION_WORDS.has(word);

/** The user's words as an FTS5 OR-query of quoted terms (quoting neutralises FTS syntax); null if none. */
export function ftsTerms(text: string): string | null {
  const terms = [...new Set(words(text).filter((w) => !STOPWORDS.has(w)))].slice(0, MAX_TERMS);
  return terms.length ? terms.map((t) => `"${t}"`).join(' OR ') : null;
}

/**
 * The lexicon's words related to the user's words (synonyms, derivations), as an FTS5 OR-query; null if none.
 * Taken in turns, one per question word, so that one word with many senses cannot crowd out the others.
 */
export function ftsExpansionTerms(text: string): string | null {
  const exact = [...new Set(words(text).filter(expandable))].slice(0, MAX_TERMS);
  const seen = new Set(exact);
  const lists = exact.map((w) => relatedWords(w).filter((r) => !seen.has(r) && expandable(r)));
  const terms: string[] = [];
  for (let turn = 0; terms.length < MAX_EXPANSIONS && lists.some((l) => turn < l.length); turn++) {
    for (const list of lists) {
      const term = list[turn];
      if (term === undefined || seen.has(term)) continue;
      seen.add(term);
      terms.push(term);
      if (terms.length === MAX_EXPANSIONS) break;
    }
  }
  return terms.length ? terms.map((t) => `"${t}"`).join(' OR ') : null;
}

export interface KeywordMatch {
  chunkId: string;
  score: number;
}

/** The FTS5 MATCH expression: the organisation's rows, then any of the query's terms in title, heading or text. */
export function ftsMatch(organizationId: string, terms: string): string {
  return `organization_id : "${organizationId.replaceAll('"', '')}" AND {title heading text} : (${terms})`;
}

/**
 * bm25 column weights, in the FTS table's column order: organization_id, title, heading, text, chunk_id. Title,
 * heading and text count alike: every chunk already carries its article's title and heading, and weighting them up
 * let every chunk of a long article score on its title words alone (measured in bench/rag.mjs: 4/2/1 → 1/1/1 took
 * the customer-wording set's recall@5 from 0.495 to 0.525, both halves up, and the original set's recall@1 from
 * 0.910 to 0.925 with recall@5 kept at 1.000; 2/1/1 and 1/0.5/1 sat between, 8/4/1 and 1/1/2 below).
 */
const BM25_WEIGHTS = [0, 1, 1, 1, 0] as const;

/**
 * Bound as (match, organizationId, ...groupIds, limit). Shared with bench/rag.mjs, which runs it on node:sqlite.
 */
export function keywordSql(groupCount: number): string {
  const groupFilter = groupCount ? `AND c.group_id IN (${Array(groupCount).fill('?').join(',')})` : '';
  return `SELECT f.chunk_id AS chunkId, bm25(knowledge_chunks_fts, ${BM25_WEIGHTS.join(', ')}) AS rank
    FROM knowledge_chunks_fts f
    JOIN knowledge_chunks c ON c.id = f.chunk_id
    JOIN knowledge_articles a ON a.id = c.article_id
    WHERE knowledge_chunks_fts MATCH ? AND c.organization_id = ? AND a.status = 'READY' ${groupFilter}
    ORDER BY rank LIMIT ?`;
}

export async function keywordSearch(
  db: Db,
  options: { organizationId: string; query: string; groupIds?: string[]; limit: number },
): Promise<KeywordMatch[]> {
  const terms = ftsTerms(options.query);
  if (!terms || options.groupIds?.length === 0) return [];
  const groups = options.groupIds ?? [];
  const statement = db.$client.prepare(keywordSql(groups.length));
  // bm25() is lower-is-better; flipped so that every retriever's score reads higher-is-better.
  const run = async (match: string) =>
    (
      await statement
        .bind(ftsMatch(options.organizationId, match), options.organizationId, ...groups, options.limit)
        .all<{ chunkId: string; rank: number }>()
    ).results.map((r) => ({ chunkId: r.chunkId, score: -r.rank }));
  const expansion = ftsExpansionTerms(options.query);
  const [exact, expanded] = await Promise.all([run(terms), expansion ? run(expansion) : []]);
  return withExpansion(exact, expanded, options.limit);
}

/** A chunk's exact-terms score plus EXPANSION_WEIGHT of its expanded-terms score, best first. */
export function withExpansion(exact: KeywordMatch[], expanded: KeywordMatch[], limit: number): KeywordMatch[] {
  const scores = new Map(exact.map((m) => [m.chunkId, m.score]));
  for (const m of expanded) scores.set(m.chunkId, (scores.get(m.chunkId) ?? 0) + EXPANSION_WEIGHT * m.score);
  return [...scores]
    .map(([chunkId, score]) => ({ chunkId, score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}
