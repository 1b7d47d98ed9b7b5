// Ingestion: gets an article's text from its source (typed, fetched page, stored file), chunks and embeds
// it, and moves the article PROCESSING → READY, or ERROR with a reason a person can act on.
import { and, eq } from 'drizzle-orm';
import { createDb, type Db } from '../db/client';
import { type KnowledgeArticle, knowledgeArticles, knowledgeChunks } from '../db/schema';
import type { JobOf } from '../jobs/types';
import { chunkText, embeddingText } from './chunking';
import { createEmbedder } from './embedder';
import { contentKind, ExtractionError, extractDocument, fileKind } from './extract';
import { type Fetch, FetchPageError, fetchPage } from './fetch-page';
import { pdfReaderFor } from './pdf';
import { createVectorStore } from './vector-store';

/** D1 rows are capped at 1 MB; the article keeps its full text. */
export const MAX_ARTICLE_CHARS = 900_000;

// 8 bound parameters per chunk row (with the created_at default): 12 rows stay under D1's 100.
const CHUNK_ROWS_PER_INSERT = 12;

/** A failure that belongs on the article (ERROR + reason) rather than a retry. */
export class IngestError extends Error {}

/** Replaces the article's chunks and vectors with ones built from `content`, then marks it READY. */
export async function indexArticle(
  env: Cloudflare.Env,
  db: Db,
  article: KnowledgeArticle,
  content: string,
): Promise<void> {
  if (content.length > MAX_ARTICLE_CHARS) {
    throw new IngestError(`The text is too long (${content.length} characters; the limit is ${MAX_ARTICLE_CHARS})`);
  }
  const chunks = chunkText(content);
  if (!chunks.length) {
    throw new IngestError(
      article.source === 'URL' ? 'The page has no readable text' : 'The document has no readable text',
    );
  }
  const vectors = await createEmbedder(env).embed(chunks.map((c) => embeddingText(article.title, c)));
  const store = createVectorStore(env, db);
  await store.deleteByArticle(article.id);

  const rows = chunks.map((chunk) => ({
    id: crypto.randomUUID(),
    organizationId: article.organizationId,
    articleId: article.id,
    groupId: article.groupId,
    position: chunk.position,
    heading: chunk.heading,
    text: chunk.text,
  }));
  const inserts = [];
  for (let i = 0; i < rows.length; i += CHUNK_ROWS_PER_INSERT) {
    inserts.push(db.insert(knowledgeChunks).values(rows.slice(i, i + CHUNK_ROWS_PER_INSERT)));
  }
  await db.batch([db.delete(knowledgeChunks).where(eq(knowledgeChunks.articleId, article.id)), ...inserts]);
  await store.upsert(
    rows.map((row, i) => ({
      chunkId: row.id,
      organizationId: row.organizationId,
      groupId: row.groupId,
      articleId: row.articleId,
      vector: vectors[i]!,
    })),
  );
  await db
    .update(knowledgeArticles)
    .set({ content, status: 'READY', error: null })
    .where(and(eq(knowledgeArticles.id, article.id), eq(knowledgeArticles.organizationId, article.organizationId)));
}

/** Removes everything derived from an article: vectors, chunks (and their FTS rows), the stored file. */
export async function removeArticleData(env: Cloudflare.Env, db: Db, article: KnowledgeArticle): Promise<void> {
  await createVectorStore(env, db).deleteByArticle(article.id);
  await db.delete(knowledgeChunks).where(eq(knowledgeChunks.articleId, article.id));
  if (article.storageKey) await env.MEDIA.delete(article.storageKey);
}

interface SourceText {
  title: string | null;
  text: string;
}

async function readSource(env: Cloudflare.Env, article: KnowledgeArticle, fetcher?: Fetch): Promise<SourceText> {
  if (article.source === 'URL') {
    const page = await fetchPage(article.sourceUrl!, { fetcher });
    const kind = contentKind(page.contentType);
    if (!kind) {
      throw new IngestError(`Unsupported content type ${page.contentType.split(';')[0]} at ${page.url}`);
    }
    return extractDocument(kind, page.body, pdfReaderFor(env));
  }
  if (article.source === 'FILE') {
    const object = article.storageKey ? await env.MEDIA.get(article.storageKey) : null;
    if (!object) throw new IngestError('The uploaded file is no longer stored; upload it again');
    const kind = fileKind(article.fileName ?? '', object.httpMetadata?.contentType);
    if (!kind) throw new IngestError(`Unsupported file type ${article.fileName}`);
    return extractDocument(kind, new Uint8Array(await object.arrayBuffer()), pdfReaderFor(env));
  }
  return { title: null, text: article.content };
}

function isArticleFailure(error: unknown): error is Error {
  return error instanceof IngestError || error instanceof FetchPageError || error instanceof ExtractionError;
}

/**
 * Processes a PROCESSING article from its source. Idempotent: an article that is no longer PROCESSING
 * (already done, or deleted) is left alone. Failures of the source mark the article ERROR; anything
 * else (D1, the embeddings service) is thrown so the queue retries.
 */
export async function ingestArticle(
  env: Cloudflare.Env,
  db: Db,
  organizationId: string,
  articleId: string,
  options: { fetcher?: Fetch } = {},
): Promise<void> {
  const [article] = await db
    .select()
    .from(knowledgeArticles)
    .where(and(eq(knowledgeArticles.id, articleId), eq(knowledgeArticles.organizationId, organizationId)));
  if (article?.status !== 'PROCESSING') return;
  try {
    const source = await readSource(env, article, options.fetcher);
    // The URL or file name stands in as the title until the document supplies a better one.
    const placeholder = article.title === article.sourceUrl || article.title === article.fileName;
    const title = placeholder && source.title ? source.title.slice(0, 200) : article.title;
    if (title !== article.title) {
      await db.update(knowledgeArticles).set({ title }).where(eq(knowledgeArticles.id, article.id));
    }
    await indexArticle(env, db, { ...article, title }, source.text);
  } catch (error) {
    if (!isArticleFailure(error)) throw error;
    await createVectorStore(env, db).deleteByArticle(article.id);
    await db.batch([
      db.delete(knowledgeChunks).where(eq(knowledgeChunks.articleId, article.id)),
      db
        .update(knowledgeArticles)
        .set({ status: 'ERROR', error: error.message })
        .where(and(eq(knowledgeArticles.id, article.id), eq(knowledgeArticles.organizationId, organizationId))),
    ]);
  }
}

export async function knowledgeIngestJob(env: Cloudflare.Env, job: JobOf<'knowledge.ingest'>): Promise<void> {
  await ingestArticle(env, createDb(env.DB), job.organizationId, job.articleId);
}
