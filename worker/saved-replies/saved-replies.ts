// Saved replies: workspace-wide macros an agent inserts by typing "/" and the shortcut in the composer. Admins
// manage them; agents use them. Placeholders are filled in by the dashboard from the open conversation.
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { savedReplies } from '../db/schema';
import { NotFoundError, ValidationError } from '../lib/errors';

export const SHORTCUT_MAX = 40;
export const SAVED_REPLY_MAX = 5000;
export const SAVED_REPLIES_PER_ORG_MAX = 500;
/** What a saved reply may say in {{…}}; the composer fills each one in (dashboard/src/conversation/saved-replies.ts). */
export const PLACEHOLDERS = ['contact.firstName', 'contact.name', 'contact.email', 'agent.name', 'agent.firstName'];

/** A placeholder that is not one of PLACEHOLDERS, or null. */
export function unknownPlaceholder(content: string): string | null {
  for (const match of content.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    if (!PLACEHOLDERS.includes(match[1]!)) return match[0];
  }
  return null;
}

type Row = typeof savedReplies.$inferSelect;

function present(row: Row) {
  return { id: row.id, shortcut: row.shortcut, content: row.content, updatedAt: row.updatedAt.toISOString() };
}

function checkContent(content: string) {
  const unknown = unknownPlaceholder(content);
  if (unknown) {
    throw ValidationError.field(
      'content',
      `${unknown} is not a placeholder we can fill in. Use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
    );
  }
}

async function assertShortcutFree(db: Db, organizationId: string, shortcut: string, exceptId?: string) {
  const [clash] = await db
    .select({ id: savedReplies.id })
    .from(savedReplies)
    .where(and(eq(savedReplies.organizationId, organizationId), eq(savedReplies.shortcut, shortcut)))
    .limit(1);
  if (clash && clash.id !== exceptId) {
    throw ValidationError.field('shortcut', 'Another saved reply already uses this shortcut');
  }
}

export async function listSavedReplies(db: Db, organizationId: string) {
  const rows = await db
    .select()
    .from(savedReplies)
    .where(eq(savedReplies.organizationId, organizationId))
    .orderBy(asc(savedReplies.shortcut));
  return rows.map(present);
}

export async function createSavedReply(
  db: Db,
  organizationId: string,
  userId: string,
  input: { shortcut: string; content: string },
) {
  checkContent(input.content);
  const count = await db.$count(savedReplies, eq(savedReplies.organizationId, organizationId));
  if (count >= SAVED_REPLIES_PER_ORG_MAX) {
    throw ValidationError.field('shortcut', `A workspace can have at most ${SAVED_REPLIES_PER_ORG_MAX} saved replies`);
  }
  await assertShortcutFree(db, organizationId, input.shortcut);
  const [row] = await db
    .insert(savedReplies)
    .values({ organizationId, createdById: userId, shortcut: input.shortcut, content: input.content })
    .returning();
  return present(row!);
}

async function load(db: Db, organizationId: string, id: string) {
  const [row] = await db
    .select()
    .from(savedReplies)
    .where(and(eq(savedReplies.organizationId, organizationId), eq(savedReplies.id, id)))
    .limit(1);
  if (!row) throw new NotFoundError('Saved reply');
  return row;
}

export async function updateSavedReply(
  db: Db,
  organizationId: string,
  id: string,
  patch: { shortcut?: string; content?: string },
) {
  await load(db, organizationId, id);
  if (patch.content !== undefined) checkContent(patch.content);
  if (patch.shortcut !== undefined) await assertShortcutFree(db, organizationId, patch.shortcut, id);
  const [row] = await db
    .update(savedReplies)
    .set(patch)
    .where(and(eq(savedReplies.organizationId, organizationId), eq(savedReplies.id, id)))
    .returning();
  return present(row!);
}

export async function deleteSavedReply(db: Db, organizationId: string, id: string) {
  await load(db, organizationId, id);
  await db.delete(savedReplies).where(and(eq(savedReplies.organizationId, organizationId), eq(savedReplies.id, id)));
}
