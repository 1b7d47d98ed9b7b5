// Knowledge groups: named bundles of articles that channels attach to ground their AI replies.
import { and, count, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { type KnowledgeGroup, knowledgeArticles, knowledgeGroups } from '../db/schema';
import { NotFoundError } from '../lib/errors';
import { removeArticleData } from './ingest';

export interface GroupView extends Omit<KnowledgeGroup, 'organizationId'> {
  articleCount: number;
}

const groupColumns = {
  id: knowledgeGroups.id,
  name: knowledgeGroups.name,
  description: knowledgeGroups.description,
  createdAt: knowledgeGroups.createdAt,
  updatedAt: knowledgeGroups.updatedAt,
  articleCount: count(knowledgeArticles.id),
};

function selectGroups(db: Db, organizationId: string, id?: string) {
  return db
    .select(groupColumns)
    .from(knowledgeGroups)
    .leftJoin(knowledgeArticles, eq(knowledgeArticles.groupId, knowledgeGroups.id))
    .where(and(eq(knowledgeGroups.organizationId, organizationId), id ? eq(knowledgeGroups.id, id) : undefined))
    .groupBy(knowledgeGroups.id);
}

export async function listGroups(db: Db, organizationId: string): Promise<GroupView[]> {
  return selectGroups(db, organizationId).orderBy(desc(knowledgeGroups.createdAt));
}

/** A group of the organisation; 404 otherwise (also for another organisation's id). */
export async function getGroup(db: Db, organizationId: string, id: string): Promise<GroupView> {
  const [group] = await selectGroups(db, organizationId, id);
  if (!group) throw new NotFoundError('Knowledge group');
  return group;
}

export async function createGroup(
  db: Db,
  organizationId: string,
  input: { name: string; description?: string | null },
): Promise<GroupView> {
  const [row] = await db
    .insert(knowledgeGroups)
    .values({ organizationId, name: input.name, description: input.description ?? null })
    .returning({ id: knowledgeGroups.id });
  return getGroup(db, organizationId, row!.id);
}

export async function updateGroup(
  db: Db,
  organizationId: string,
  id: string,
  input: { name?: string; description?: string | null },
): Promise<GroupView> {
  await getGroup(db, organizationId, id);
  await db
    .update(knowledgeGroups)
    .set(input)
    .where(and(eq(knowledgeGroups.id, id), eq(knowledgeGroups.organizationId, organizationId)));
  return getGroup(db, organizationId, id);
}

/** Deletes the group with its articles, their chunks (cascade), vectors and stored files. */
export async function deleteGroup(env: Cloudflare.Env, db: Db, organizationId: string, id: string): Promise<void> {
  await getGroup(db, organizationId, id);
  const articles = await db
    .select()
    .from(knowledgeArticles)
    .where(and(eq(knowledgeArticles.groupId, id), eq(knowledgeArticles.organizationId, organizationId)));
  for (const article of articles) await removeArticleData(env, db, article);
  await db
    .delete(knowledgeGroups)
    .where(and(eq(knowledgeGroups.id, id), eq(knowledgeGroups.organizationId, organizationId)));
}
