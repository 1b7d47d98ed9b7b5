// Comment triggers of an organisation: list (with counts), create, change, delete, reorder (drag-and-drop
// priority: 1 is the highest), duplicate (with its DM action; fresh throttle history), and the posts they can be
// scoped to (synced videos and Lives, with our own tags).
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  automationDms,
  automationEvaluations,
  automationPosts,
  automationThrottles,
  automationTriggers,
} from '../db/schema';
import { NotFoundError, ValidationError } from '../lib/errors';
import { loadTriggers, type StoredTrigger } from './facts';
import type { DmAction, Match, Scope } from './rules';

export interface TriggerInput {
  name: string;
  status: 'DRAFT' | 'ACTIVE';
  match: Match;
  scope: Scope;
  publicReply: string | null;
  action: DmAction;
}

export async function loadTrigger(db: Db, organizationId: string, triggerId: string): Promise<StoredTrigger> {
  const [row] = await db
    .select()
    .from(automationTriggers)
    .where(and(eq(automationTriggers.organizationId, organizationId), eq(automationTriggers.id, triggerId)));
  if (!row) throw new NotFoundError('Trigger');
  return row as StoredTrigger;
}

/** Every trigger in priority order, with how often it fired (DMs claimed) and how many comments it looked at. */
export async function listTriggers(db: Db, organizationId: string) {
  const triggers = await loadTriggers(db, organizationId);
  const fired = await db
    .select({ triggerId: automationDms.triggerId, n: sql<number>`count(*)` })
    .from(automationDms)
    .where(eq(automationDms.organizationId, organizationId))
    .groupBy(automationDms.triggerId);
  const firedBy = new Map(fired.map((r) => [r.triggerId, r.n]));
  return triggers.map((t) => ({ ...t, counts: { fired: firedBy.get(t.id) ?? 0 } }));
}

export async function createTrigger(db: Db, organizationId: string, input: TriggerInput) {
  // New triggers go to the bottom of the list: the most precise ones are usually made first.
  const [last] = await db
    .select({ priority: sql<number>`max(${automationTriggers.priority})` })
    .from(automationTriggers)
    .where(eq(automationTriggers.organizationId, organizationId));
  const [row] = await db
    .insert(automationTriggers)
    .values({ organizationId, ...input, priority: (last?.priority ?? 0) + 1 })
    .returning();
  return row as StoredTrigger;
}

export async function updateTrigger(db: Db, organizationId: string, triggerId: string, changes: Partial<TriggerInput>) {
  await loadTrigger(db, organizationId, triggerId);
  if (!Object.keys(changes).length) return loadTrigger(db, organizationId, triggerId);
  const [row] = await db
    .update(automationTriggers)
    .set(changes)
    .where(and(eq(automationTriggers.organizationId, organizationId), eq(automationTriggers.id, triggerId)))
    .returning();
  return row as StoredTrigger;
}

/** Deletes the trigger with its log and throttle history (a comment's DM record stays with the comment). */
export async function deleteTrigger(db: Db, organizationId: string, triggerId: string): Promise<void> {
  await loadTrigger(db, organizationId, triggerId);
  await db.batch([
    db.delete(automationThrottles).where(eq(automationThrottles.triggerId, triggerId)),
    db.delete(automationEvaluations).where(eq(automationEvaluations.triggerId, triggerId)),
    db
      .delete(automationTriggers)
      .where(and(eq(automationTriggers.organizationId, organizationId), eq(automationTriggers.id, triggerId))),
  ]);
}

/** The new order, highest priority first: it must name every trigger of the organisation exactly once. */
export async function reorderTriggers(db: Db, organizationId: string, ids: string[]) {
  const current = await loadTriggers(db, organizationId);
  const known = new Set(current.map((t) => t.id));
  if (new Set(ids).size !== ids.length || ids.length !== known.size || ids.some((id) => !known.has(id))) {
    throw ValidationError.field('ids', 'Give every trigger of the workspace exactly once, highest priority first');
  }
  const statements = ids.map((id, index) =>
    db
      .update(automationTriggers)
      .set({ priority: index + 1 })
      .where(and(eq(automationTriggers.organizationId, organizationId), eq(automationTriggers.id, id))),
  );
  await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
  return listTriggers(db, organizationId);
}

/** A copy as a draft right below the original, with the same action (and flow reference); no throttle history. */
export async function duplicateTrigger(db: Db, organizationId: string, triggerId: string) {
  const source = await loadTrigger(db, organizationId, triggerId);
  const below = await db
    .select({ id: automationTriggers.id })
    .from(automationTriggers)
    .where(
      and(
        eq(automationTriggers.organizationId, organizationId),
        sql`${automationTriggers.priority} > ${source.priority}`,
      ),
    );
  const shift = below.map((r) =>
    db
      .update(automationTriggers)
      .set({ priority: sql`${automationTriggers.priority} + 1` })
      .where(eq(automationTriggers.id, r.id)),
  );
  const insert = db
    .insert(automationTriggers)
    .values({
      organizationId,
      name: `${source.name} (copy)`.slice(0, 100),
      status: 'DRAFT',
      priority: source.priority + 1,
      match: source.match,
      scope: source.scope,
      publicReply: source.publicReply,
      action: source.action,
      duplicatedFromId: source.id,
    })
    .returning();
  const results = await db.batch([...shift, insert] as unknown as [typeof insert]);
  return (results.at(-1) as StoredTrigger[])[0]!;
}

export async function listPosts(db: Db, organizationId: string) {
  return db
    .select()
    .from(automationPosts)
    .where(eq(automationPosts.organizationId, organizationId))
    .orderBy(desc(automationPosts.publishedAt))
    .limit(200);
}

export async function tagPost(db: Db, organizationId: string, postId: string, tags: string[]) {
  const [row] = await db
    .update(automationPosts)
    .set({ tags: [...new Set(tags)] })
    .where(and(eq(automationPosts.organizationId, organizationId), eq(automationPosts.postId, postId)))
    .returning();
  if (!row) throw new NotFoundError('Post');
  return row;
}

/** The last 50 evaluations of a trigger, newest first. */
export async function triggerEvaluations(db: Db, organizationId: string, triggerId: string) {
  await loadTrigger(db, organizationId, triggerId);
  return db
    .select()
    .from(automationEvaluations)
    .where(
      and(eq(automationEvaluations.organizationId, organizationId), eq(automationEvaluations.triggerId, triggerId)),
    )
    .orderBy(desc(automationEvaluations.evaluatedAt), desc(automationEvaluations.commentId))
    .limit(50);
}

/** Posts referenced by a scope or a VIDEO condition must be the organisation's synced posts. */
export async function assertPostsKnown(db: Db, organizationId: string, input: Partial<TriggerInput>) {
  const ids = new Set<string>();
  if (input.scope?.kind === 'VIDEOS') for (const id of input.scope.postIds) ids.add(id);
  for (const group of input.match?.groups ?? []) {
    for (const c of group) if (c.type === 'VIDEO') for (const id of c.postIds) ids.add(id);
  }
  if (!ids.size) return;
  const list = [...ids];
  const found = new Set<string>();
  for (let i = 0; i < list.length; i += 90) {
    const rows = await db
      .select({ id: automationPosts.postId })
      .from(automationPosts)
      .where(
        and(eq(automationPosts.organizationId, organizationId), inArray(automationPosts.postId, list.slice(i, i + 90))),
      );
    for (const r of rows) found.add(r.id);
  }
  const missing = list.filter((id) => !found.has(id));
  if (missing.length) {
    throw ValidationError.field(
      input.scope?.kind === 'VIDEOS' ? 'scope.postIds' : 'match',
      `Unknown video: ${missing.join(', ')}`,
    );
  }
}
