// Keyword retrieval: BM25 over the knowledge_chunks_fts table (migrations/0002_knowledge_search.sql).
import type { Db } from '../db/client';
import { STOPWORDS, words } from './embedder';

const MAX_TERMS = 24;

/** The user's words as an FTS5 OR-query of quoted terms (quoting neutralises FTS syntax); null if none. */
export function ftsTerms(text: string): string | null {
  const terms = [...new Set(words(text).filter((w) => !STOPWORDS.has(w)))].slice(0, MAX_TERMS);
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
 * Bound as (match, organizationId, ...groupIds, limit). bm25 weights follow the column order:
 * organization_id, title, heading, text, chunk_id. Shared with bench/rag.mjs, which runs it on node:sqlite.
 */
export function keywordSql(groupCount: number): string {
  const groupFilter = groupCount ? `AND c.group_id IN (${Array(groupCount).fill('?').join(',')})` : '';
  return `SELECT f.chunk_id AS chunkId, bm25(knowledge_chunks_fts, 0, 4, 2, 1, 0) AS rank
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
  const { results } = await db.$client
    .prepare(keywordSql(groups.length))
    .bind(ftsMatch(options.organizationId, terms), options.organizationId, ...groups, options.limit)
    .all<{ chunkId: string; rank: number }>();
  // bm25() is lower-is-better; flip it so every retriever's score reads higher-is-better.
  return results.map((r) => ({ chunkId: r.chunkId, score: -r.rank }));
}
