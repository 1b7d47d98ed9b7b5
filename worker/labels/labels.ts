// Labels: organisation-defined, coloured tags on conversations, filterable in the inbox. Admins define them;
// agents put them on and take them off. Every change to a conversation's labels is announced to the dashboards.
import { and, asc, eq, inArray } from 'drizzle-orm';
import { publishToHub } from '../conversations/live';
import type { Db } from '../db/client';
import { conversationLabels, conversations, labels } from '../db/schema';
import type { AppBindings } from '../env';
import { NotFoundError, ValidationError } from '../lib/errors';

export const LABEL_NAME_MAX = 40;
export const LABELS_PER_ORG_MAX = 100;
/** Conversations one bulk request may label. */
export const BULK_MAX = 100;

export type Label = typeof labels.$inferSelect;

function present(label: Label) {
  return { id: label.id, name: label.name, color: label.color };
}

export async function listLabels(db: Db, organizationId: string) {
  const rows = await db
    .select()
    .from(labels)
    .where(eq(labels.organizationId, organizationId))
    .orderBy(asc(labels.name));
  return rows.map(present);
}

async function assertNameFree(db: Db, organizationId: string, name: string, exceptId?: string) {
  const [clash] = await db
    .select({ id: labels.id })
    .from(labels)
    .where(and(eq(labels.organizationId, organizationId), eq(labels.name, name)))
    .limit(1);
  if (clash && clash.id !== exceptId) throw ValidationError.field('name', 'There is already a label with this name');
}

export async function createLabel(db: Db, organizationId: string, input: { name: string; color: string }) {
  const existing = await db.select({ id: labels.id }).from(labels).where(eq(labels.organizationId, organizationId));
  if (existing.length >= LABELS_PER_ORG_MAX) {
    throw ValidationError.field('name', `An organization can have at most ${LABELS_PER_ORG_MAX} labels`);
  }
  await assertNameFree(db, organizationId, input.name);
  const [row] = await db
    .insert(labels)
    .values({ organizationId, name: input.name, color: input.color.toLowerCase() })
    .returning();
  return present(row!);
}

async function loadLabel(db: Db, organizationId: string, labelId: string): Promise<Label> {
  const [row] = await db
    .select()
    .from(labels)
    .where(and(eq(labels.organizationId, organizationId), eq(labels.id, labelId)))
    .limit(1);
  if (!row) throw new NotFoundError('Label');
  return row;
}

export async function updateLabel(
  db: Db,
  organizationId: string,
  labelId: string,
  patch: { name?: string; color?: string },
) {
  await loadLabel(db, organizationId, labelId);
  if (patch.name !== undefined) await assertNameFree(db, organizationId, patch.name, labelId);
  const [row] = await db
    .update(labels)
    .set({ ...patch, ...(patch.color ? { color: patch.color.toLowerCase() } : {}) })
    .where(and(eq(labels.organizationId, organizationId), eq(labels.id, labelId)))
    .returning();
  return present(row!);
}

export async function deleteLabel(db: Db, organizationId: string, labelId: string) {
  await loadLabel(db, organizationId, labelId);
  await db.delete(labels).where(and(eq(labels.organizationId, organizationId), eq(labels.id, labelId)));
}

/** The label ids on each of the given conversations of the organisation (conversations without labels: []). */
export async function labelsOf(db: Db, organizationId: string, conversationIds: string[]) {
  const result: Record<string, string[]> = {};
  for (const id of conversationIds) result[id] = [];
  for (let i = 0; i < conversationIds.length; i += 90) {
    const rows = await db
      .select({ conversationId: conversationLabels.conversationId, labelId: conversationLabels.labelId })
      .from(conversationLabels)
      .where(
        and(
          eq(conversationLabels.organizationId, organizationId),
          inArray(conversationLabels.conversationId, conversationIds.slice(i, i + 90)),
        ),
      )
      .orderBy(asc(conversationLabels.createdAt));
    for (const row of rows) result[row.conversationId]?.push(row.labelId);
  }
  return result;
}

/** The organisation's conversations among `ids`; any other id is a 400 naming it, before anything changes. */
async function assertConversations(db: Db, organizationId: string, ids: string[]) {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db
      .select({ id: conversations.id })
      .from(conversations)
      .where(and(eq(conversations.organizationId, organizationId), inArray(conversations.id, ids.slice(i, i + 90))));
    for (const row of rows) found.add(row.id);
  }
  const missing = ids.find((id) => !found.has(id));
  if (missing) throw ValidationError.field('conversationIds', `No conversation ${missing} in this organization`);
}

/**
 * Puts a label on (or takes it off) each of the conversations; already labelled ones stay as they are. Every
 * conversation whose labels changed is announced to the organisation's dashboards.
 */
export async function applyLabel(
  env: AppBindings,
  db: Db,
  organizationId: string,
  input: { labelId: string; conversationIds: string[]; remove?: boolean },
) {
  const ids = [...new Set(input.conversationIds)];
  if (ids.length > BULK_MAX) {
    throw ValidationError.field('conversationIds', `Label at most ${BULK_MAX} conversations at a time`);
  }
  await loadLabel(db, organizationId, input.labelId);
  await assertConversations(db, organizationId, ids);
  const before = await labelsOf(db, organizationId, ids);
  const changed = ids.filter((id) => before[id]!.includes(input.labelId) === Boolean(input.remove));
  if (!changed.length) return { updated: 0 };
  if (input.remove) {
    await db
      .delete(conversationLabels)
      .where(
        and(
          eq(conversationLabels.organizationId, organizationId),
          eq(conversationLabels.labelId, input.labelId),
          inArray(conversationLabels.conversationId, changed),
        ),
      );
  } else {
    // 4 columns a row keeps an insert under D1's 100 bound parameters.
    for (let i = 0; i < changed.length; i += 20) {
      await db
        .insert(conversationLabels)
        .values(
          changed
            .slice(i, i + 20)
            .map((conversationId) => ({ conversationId, labelId: input.labelId, organizationId })),
        )
        .onConflictDoNothing();
    }
  }
  const after = await labelsOf(db, organizationId, changed);
  for (const conversationId of changed) {
    await publishToHub(env, organizationId, {
      type: 'conversation.labels',
      conversationId,
      labelIds: after[conversationId] ?? [],
    });
  }
  return { updated: changed.length };
}
