// Knowledge retrieval for AI replies and the search API: keyword (BM25, with lexicon expansion) and vector
// results fused with reciprocal rank fusion, grouped by article, then reranked by a cross-encoder when the
// deployment has one, each article's best passage first; limited to the organisation, READY articles and the
// channel's attached groups.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { channelKnowledgeGroups, channels } from '../db/schema';
import { NotFoundError } from '../lib/errors';
import { createEmbedder } from './embedder';
import { aggregateByArticle, reciprocalRankFusion, spreadOverArticles } from './fusion';
import { keywordSearch } from './keyword-search';
import { applyScores, createReranker } from './reranker';
import { createVectorStore } from './vector-store';

export interface Passage {
  articleId: string;
  title: string;
  text: string;
  score: number;
  url?: string | null;
  heading?: string | null;
}

export interface SearchOptions {
  organizationId: string;
  query: string;
  /** Only the groups attached to this channel (none attached → no passages). */
  channelId?: string;
  /** Only these groups (intersected with the channel's when both are given). */
  groupIds?: string[];
  /** 1–20, default 5. */
  limit?: number;
}

export const MAX_SEARCH_LIMIT = 20;

/** The groups a search may read: undefined = every group of the organisation. */
async function scopeGroups(db: Db, options: SearchOptions): Promise<string[] | undefined> {
  let scope = options.groupIds ? [...new Set(options.groupIds)] : undefined;
  if (options.channelId) {
    const [channel] = await db
      .select({ id: channels.id })
      .from(channels)
      .where(and(eq(channels.id, options.channelId), eq(channels.organizationId, options.organizationId)));
    if (!channel) throw new NotFoundError('Channel');
    const attached = await db
      .select({ groupId: channelKnowledgeGroups.groupId })
      .from(channelKnowledgeGroups)
      .where(
        and(
          eq(channelKnowledgeGroups.channelId, options.channelId),
          eq(channelKnowledgeGroups.organizationId, options.organizationId),
        ),
      );
    const attachedIds = attached.map((a) => a.groupId);
    scope = scope ? scope.filter((id) => attachedIds.includes(id)) : attachedIds;
  }
  return scope;
}

interface ChunkRow {
  id: string;
  articleId: string;
  groupId: string;
  heading: string | null;
  text: string;
  title: string;
  url: string | null;
}

async function loadChunks(db: Db, organizationId: string, ids: string[]): Promise<Map<string, ChunkRow>> {
  if (!ids.length) return new Map();
  const { results } = await db.$client
    .prepare(
      `SELECT c.id, c.article_id AS articleId, c.group_id AS groupId, c.heading, c.text, a.title, a.source_url AS url
       FROM knowledge_chunks c JOIN knowledge_articles a ON a.id = c.article_id
       WHERE c.organization_id = ? AND a.status = 'READY' AND c.id IN (${ids.map(() => '?').join(',')})`,
    )
    .bind(organizationId, ...ids)
    .all<ChunkRow>();
  return new Map(results.map((r) => [r.id, r]));
}

export async function searchKnowledge(env: Cloudflare.Env, db: Db, options: SearchOptions): Promise<Passage[]> {
  const limit = Math.min(MAX_SEARCH_LIMIT, Math.max(1, Math.floor(options.limit ?? 5)));
  const query = options.query.trim();
  const groupIds = await scopeGroups(db, options);
  if (!query || groupIds?.length === 0) return [];
  // Enough candidates per retriever for fusion to matter, and ids + org stay under D1's 100 parameters.
  const candidates = Math.min(40, Math.max(20, limit * 4));
  const { organizationId } = options;

  const embedder = createEmbedder(env);
  const vectorMatches = async () => {
    // An embedder that does not help retrieval (the local hashed n-grams) is not asked at all.
    if (embedder.fusionWeight <= 0) return [];
    try {
      const [vector] = await embedder.embed([query]);
      const matches = await createVectorStore(env, db).query(vector!, { organizationId, groupIds, topK: candidates });
      return matches.filter((m) => m.score >= embedder.minSimilarity);
    } catch (error) {
      // An embeddings outage must not take answers down with it: keyword results still stand.
      console.error('Vector search failed, using keyword results only:', error);
      return [];
    }
  };
  const [keyword, vector] = await Promise.all([
    keywordSearch(db, { organizationId, query, groupIds, limit: candidates }),
    vectorMatches(),
  ]);

  const rows = await loadChunks(db, organizationId, [
    ...new Set([...keyword.map((m) => m.chunkId), ...vector.map((m) => m.chunkId)]),
  ]);
  // Within each retriever's own scores, an article with several matching sections outranks a stray one.
  const byArticle = (matches: { chunkId: string; score: number }[]) =>
    aggregateByArticle(matches, (m) => rows.get(m.chunkId)?.articleId).map((m) => m.chunkId);
  const fused = reciprocalRankFusion([byArticle(keyword), byArticle(vector)], undefined, [1, embedder.fusionWeight]);
  const found: Passage[] = [];
  for (const { id, score } of fused) {
    const row = rows.get(id);
    if (!row || (groupIds && !groupIds.includes(row.groupId))) continue;
    found.push({
      articleId: row.articleId,
      title: row.title,
      text: row.text,
      score,
      url: row.url,
      heading: row.heading,
    });
  }
  // Aggregation keeps an article's sections together; the passages returned (and those the cross-encoder reads)
  // take each article's best section first, so a long article cannot fill them all.
  const ofArticle = (p: Passage) => p.articleId;
  const ranked = await rerank(env, query, spreadOverArticles(found, ofArticle).slice(0, RERANK_CANDIDATES));
  return spreadOverArticles(ranked, ofArticle).slice(0, limit);
}

/** How many fused passages the cross-encoder sees (it reads each one: cost grows with the count). */
export const RERANK_CANDIDATES = 20;

async function rerank(env: Cloudflare.Env, query: string, passages: Passage[]): Promise<Passage[]> {
  const reranker = createReranker(env);
  if (!reranker || passages.length < 2) return passages;
  try {
    const scores = await reranker.score(
      query,
      passages.map((p) => [p.title, p.heading, p.text].filter(Boolean).join('\n')),
    );
    return applyScores(passages, scores);
  } catch (error) {
    // A reranker outage costs ordering quality, not answers.
    console.error('Reranking failed, keeping the fused order:', error);
    return passages;
  }
}
