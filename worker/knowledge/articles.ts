// Knowledge articles: written by hand (indexed at once), scraped from a URL or extracted from an uploaded
// file (indexed by the knowledge.ingest job), edited, reprocessed and deleted.
import { and, desc, eq, getTableColumns } from 'drizzle-orm';
import type { Db } from '../db/client';
import { type ARTICLE_STATUSES, type KnowledgeArticle, knowledgeArticles } from '../db/schema';
import { writeWithJob } from '../jobs/outbox';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '../lib/errors';
import { extensionOf, fileKind, SUPPORTED_EXTENSIONS } from './extract';
import { unsafeUrlReason } from './fetch-page';
import { getGroup } from './groups';
import { IngestError, indexArticle, removeArticleData } from './ingest';

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];

export type ArticleView = Omit<KnowledgeArticle, 'organizationId' | 'storageKey'>;
export type ArticleSummary = Omit<ArticleView, 'content'>;

const {
  organizationId: _org,
  storageKey: _key,
  content: _content,
  ...summaryColumns
} = getTableColumns(knowledgeArticles);

function view({ organizationId: _o, storageKey: _s, ...article }: KnowledgeArticle): ArticleView {
  return article;
}

function scoped(organizationId: string, id: string) {
  return and(eq(knowledgeArticles.id, id), eq(knowledgeArticles.organizationId, organizationId));
}

/** Indexes inline; a failure (e.g. the embeddings service is down) leaves the article in ERROR to reprocess. */
async function indexOrMarkError(env: Cloudflare.Env, db: Db, article: KnowledgeArticle, content: string) {
  try {
    await indexArticle(env, db, article, content);
  } catch (error) {
    console.error(`Indexing knowledge article ${article.id} failed:`, error);
    const reason = error instanceof IngestError ? error.message : 'The article could not be indexed; reprocess it';
    await db
      .update(knowledgeArticles)
      .set({ content, status: 'ERROR', error: reason })
      .where(scoped(article.organizationId, article.id));
  }
}

export async function listArticles(
  db: Db,
  organizationId: string,
  filters: { groupId?: string; status?: ArticleStatus } = {},
): Promise<ArticleSummary[]> {
  return db
    .select(summaryColumns)
    .from(knowledgeArticles)
    .where(
      and(
        eq(knowledgeArticles.organizationId, organizationId),
        filters.groupId ? eq(knowledgeArticles.groupId, filters.groupId) : undefined,
        filters.status ? eq(knowledgeArticles.status, filters.status) : undefined,
      ),
    )
    .orderBy(desc(knowledgeArticles.updatedAt));
}

async function loadArticle(db: Db, organizationId: string, id: string): Promise<KnowledgeArticle> {
  const [article] = await db.select().from(knowledgeArticles).where(scoped(organizationId, id));
  if (!article) throw new NotFoundError('Knowledge article');
  return article;
}

export async function getArticle(db: Db, organizationId: string, id: string): Promise<ArticleView> {
  return view(await loadArticle(db, organizationId, id));
}

export async function createManualArticle(
  env: Cloudflare.Env,
  db: Db,
  organizationId: string,
  input: { groupId: string; title: string; content: string },
): Promise<ArticleView> {
  await getGroup(db, organizationId, input.groupId);
  const [article] = await db
    .insert(knowledgeArticles)
    .values({ organizationId, groupId: input.groupId, title: input.title, source: 'MANUAL', content: input.content })
    .returning();
  await indexOrMarkError(env, db, article!, input.content);
  return getArticle(db, organizationId, article!.id);
}

export async function createUrlArticle(
  env: Cloudflare.Env,
  db: Db,
  organizationId: string,
  input: { groupId: string; url: string; title?: string },
): Promise<ArticleView> {
  const refused = unsafeUrlReason(input.url);
  if (refused) throw ValidationError.field('url', refused);
  await getGroup(db, organizationId, input.groupId);
  const id = crypto.randomUUID();
  const [[article]] = await writeWithJob(env, db, { kind: 'knowledge.ingest', organizationId, articleId: id }, [
    db
      .insert(knowledgeArticles)
      .values({
        id,
        organizationId,
        groupId: input.groupId,
        // The URL stands in as the title until the page's <title> is known.
        title: input.title ?? input.url,
        source: 'URL',
        sourceUrl: input.url,
      })
      .returning(),
  ]);
  return view(article!);
}

function storageName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  return base.replace(/[^\w.\- ]+/g, '_').slice(-120) || 'upload';
}

export async function createFileArticle(
  env: Cloudflare.Env,
  db: Db,
  organizationId: string,
  input: { groupId: string; title?: string; file: File },
): Promise<ArticleView> {
  const { file } = input;
  if (file.size > MAX_UPLOAD_BYTES) throw new PayloadTooLargeError('Files can be at most 10 MB');
  if (!fileKind(file.name, file.type)) {
    const extension = extensionOf(file.name);
    throw ValidationError.field(
      'file',
      `Unsupported file type ${extension ? `.${extension}` : file.type || '(unknown)'}; upload ${SUPPORTED_EXTENSIONS.join(', ')}`,
    );
  }
  await getGroup(db, organizationId, input.groupId);
  const id = crypto.randomUUID();
  const fileName = storageName(file.name);
  const storageKey = `knowledge/${organizationId}/${id}/${fileName}`;
  // Kept in R2 so that reprocessing can extract it again.
  await env.MEDIA.put(storageKey, await file.arrayBuffer(), {
    httpMetadata: { contentType: file.type || 'application/octet-stream' },
  });
  const [[article]] = await writeWithJob(env, db, { kind: 'knowledge.ingest', organizationId, articleId: id }, [
    db
      .insert(knowledgeArticles)
      .values({
        id,
        organizationId,
        groupId: input.groupId,
        title: input.title ?? fileName,
        source: 'FILE',
        fileName,
        storageKey,
      })
      .returning(),
  ]);
  return view(article!);
}

/** Edits an article; a new title, text or group re-indexes it so search reflects the change at once. */
export async function updateArticle(
  env: Cloudflare.Env,
  db: Db,
  organizationId: string,
  id: string,
  input: { title?: string; content?: string; groupId?: string },
): Promise<ArticleView> {
  const article = await loadArticle(db, organizationId, id);
  if (input.groupId && input.groupId !== article.groupId) await getGroup(db, organizationId, input.groupId);
  const [updated] = await db
    .update(knowledgeArticles)
    .set({ title: input.title, groupId: input.groupId, updatedAt: new Date() })
    .where(scoped(organizationId, id))
    .returning();
  const content = input.content ?? (updated!.status === 'READY' ? updated!.content : undefined);
  if (content !== undefined) await indexOrMarkError(env, db, updated!, content);
  return getArticle(db, organizationId, id);
}

export async function deleteArticle(env: Cloudflare.Env, db: Db, organizationId: string, id: string): Promise<void> {
  const article = await loadArticle(db, organizationId, id);
  await removeArticleData(env, db, article);
  await db.delete(knowledgeArticles).where(scoped(organizationId, id));
}

/**
 * Builds the article again from its source: a hand-written one is re-indexed now (READY), a scraped
 * or uploaded one goes back to PROCESSING and is re-fetched or re-extracted by the queue.
 */
export async function reprocessArticle(
  env: Cloudflare.Env,
  db: Db,
  organizationId: string,
  id: string,
): Promise<ArticleView> {
  const article = await loadArticle(db, organizationId, id);
  if (article.source === 'MANUAL') {
    await indexOrMarkError(env, db, article, article.content);
    return getArticle(db, organizationId, id);
  }
  const [[updated]] = await writeWithJob(env, db, { kind: 'knowledge.ingest', organizationId, articleId: id }, [
    db
      .update(knowledgeArticles)
      .set({ status: 'PROCESSING', error: null })
      .where(scoped(organizationId, id))
      .returning(),
  ]);
  return view(updated!);
}
