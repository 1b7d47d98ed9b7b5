// The inbox's views: a member's saved filter combinations (pinned to the inbox sidebar), the live counts of
// the Mine / Unassigned / All tabs, and bulk changes to selected conversations (through each one's actor).
import { and, asc, eq } from 'drizzle-orm';
import { bulkRead, updateConversation } from '../conversations/inbox';
import { type ConversationFilters, listWhere } from '../conversations/inbox-query';
import type { Db } from '../db/client';
import { type ConversationStatus, memberships, savedViews } from '../db/schema';
import type { AppBindings } from '../env';
import { NotFoundError, ValidationError } from '../lib/errors';

export const VIEW_NAME_MAX = 40;
export const VIEWS_PER_MEMBER_MAX = 30;
/** The filters a view may keep: the inbox's own query parameters. */
export const VIEW_FILTER_KEYS = [
  'status',
  'channelId',
  'channelType',
  'assignedToId',
  'language',
  'search',
  'unread',
  'labelId',
  // The automations' views (worker/automations/flows/state.ts): Unassigned humans, Waiting, by tag, by trigger.
  'automationState',
  'unassignedHumans',
  'contactTag',
  'triggerId',
] as const;
export const BULK_UPDATE_MAX = 100;

type Row = typeof savedViews.$inferSelect;

function present(row: Row) {
  return { id: row.id, name: row.name, filters: row.filters };
}

export async function listViews(db: Db, organizationId: string, userId: string) {
  const rows = await db
    .select()
    .from(savedViews)
    .where(and(eq(savedViews.organizationId, organizationId), eq(savedViews.userId, userId)))
    .orderBy(asc(savedViews.createdAt));
  return rows.map(present);
}

export async function createView(
  db: Db,
  organizationId: string,
  userId: string,
  input: { name: string; filters: Record<string, string> },
) {
  const mine = await listViews(db, organizationId, userId);
  if (mine.length >= VIEWS_PER_MEMBER_MAX) {
    throw ValidationError.field('name', `You can pin at most ${VIEWS_PER_MEMBER_MAX} views`);
  }
  if (mine.some((v) => v.name.toLowerCase() === input.name.toLowerCase())) {
    throw ValidationError.field('name', 'You already have a view with this name');
  }
  if (!Object.keys(input.filters).length) {
    throw ValidationError.field('filters', 'Choose at least one filter to save as a view');
  }
  const [row] = await db
    .insert(savedViews)
    .values({ organizationId, userId, ...input })
    .returning();
  return present(row!);
}

export async function deleteView(db: Db, organizationId: string, userId: string, id: string) {
  const removed = await db
    .delete(savedViews)
    .where(and(eq(savedViews.organizationId, organizationId), eq(savedViews.userId, userId), eq(savedViews.id, id)))
    .returning();
  if (!removed.length) throw new NotFoundError('View');
}

/** How many conversations each inbox tab holds under the same other filters. */
export async function tabCounts(
  db: Db,
  organizationId: string,
  userId: string,
  filters: Omit<ConversationFilters, 'page' | 'pageSize' | 'assignedToId'>,
) {
  const statements = [{ assignedToId: userId }, { assignedToId: 'unassigned' }, {}].map((tab) => {
    const where = listWhere(organizationId, { ...filters, ...tab });
    return db.$client.prepare(`SELECT COUNT(*) AS total FROM conversations c WHERE ${where.sql}`).bind(...where.params);
  });
  const [mine, unassigned, all] = await db.$client.batch<{ total: number }>(statements);
  return {
    mine: Number(mine?.results[0]?.total ?? 0),
    unassigned: Number(unassigned?.results[0]?.total ?? 0),
    all: Number(all?.results[0]?.total ?? 0),
  };
}

/** Conversations are assigned to members who can answer them: active, and AGENT or above. */
export async function assertCanReply(db: Db, organizationId: string, userId: string) {
  const [member] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(
      and(
        eq(memberships.organizationId, organizationId),
        eq(memberships.userId, userId),
        eq(memberships.status, 'ACTIVE'),
      ),
    )
    .limit(1);
  if (!member || member.role === 'VIEWER') {
    throw ValidationError.field('assignedToId', 'Assign conversations to an active member who can reply');
  }
}

/**
 * One change to many conversations: status and/or assignee through each conversation's actor, or mark read.
 * Every id is checked first (a foreign or unknown one is a 400 and nothing changes); then they change one by one.
 */
export async function bulkUpdate(
  env: AppBindings,
  db: Db,
  organizationId: string,
  userId: string,
  input: { conversationIds: string[]; status?: ConversationStatus; assignedToId?: string | null; read?: boolean },
) {
  const ids = [...new Set(input.conversationIds)];
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    const { results } = await db.$client
      .prepare(`SELECT id FROM conversations WHERE organization_id = ? AND id IN (${chunk.map(() => '?').join(',')})`)
      .bind(organizationId, ...chunk)
      .all<{ id: string }>();
    for (const row of results) found.add(row.id);
  }
  const missing = ids.find((id) => !found.has(id));
  if (missing) throw ValidationError.field('conversationIds', `No conversation ${missing} in this organization`);
  if (input.assignedToId) await assertCanReply(db, organizationId, input.assignedToId);
  const patch = {
    ...(input.status ? { status: input.status } : {}),
    ...(input.assignedToId !== undefined ? { assignedToId: input.assignedToId } : {}),
  };
  if (Object.keys(patch).length) {
    for (let i = 0; i < ids.length; i += 10) {
      await Promise.all(
        ids.slice(i, i + 10).map((id) => updateConversation(env, db, organizationId, id, patch, { userId })),
      );
    }
  }
  if (input.read) await bulkRead(env, db, organizationId, ids);
  return { updated: ids.length };
}
