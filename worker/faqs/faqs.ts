// FAQs: the question chips of the website widget, org-wide or for one WEBSITE_CHAT channel, in the order
// an admin sets, with a count of how often visitors tap each.
import { and, asc, eq, inArray, isNull, max, or, sql } from 'drizzle-orm';
import { loadChannel } from '../channels/channels';
import type { Db } from '../db/client';
import { channels, type Faq, faqs } from '../db/schema';
import { NotFoundError, ValidationError } from '../lib/errors';

export const FAQ_QUESTION_MAX = 280;
export const FAQ_ANSWER_MAX = 2000;
/** The widget greeting shows at most this many chips. */
export const WIDGET_FAQ_LIMIT = 5;

async function assertFaqChannel(db: Db, organizationId: string, channelId: string): Promise<void> {
  const [channel] = await db
    .select({ type: channels.type })
    .from(channels)
    .where(and(eq(channels.organizationId, organizationId), eq(channels.id, channelId)))
    .limit(1);
  if (channel?.type !== 'WEBSITE_CHAT') {
    throw ValidationError.field('channelId', 'FAQs belong to a WEBSITE_CHAT channel of your organization');
  }
}

function scopeOf(organizationId: string, channelId?: string | null) {
  return and(
    eq(faqs.organizationId, organizationId),
    channelId ? or(isNull(faqs.channelId), eq(faqs.channelId, channelId)) : undefined,
  );
}

/** All FAQs of the organisation, or with a channel: the org-wide ones plus that channel's. */
export async function listFaqs(db: Db, organizationId: string, channelId?: string): Promise<Faq[]> {
  if (channelId) await loadChannel(db, organizationId, channelId);
  return db
    .select()
    .from(faqs)
    .where(scopeOf(organizationId, channelId))
    .orderBy(asc(faqs.position), asc(faqs.createdAt));
}

export async function getFaq(db: Db, organizationId: string, id: string): Promise<Faq> {
  const [faq] = await db
    .select()
    .from(faqs)
    .where(and(eq(faqs.organizationId, organizationId), eq(faqs.id, id)))
    .limit(1);
  if (!faq) throw new NotFoundError('FAQ');
  return faq;
}

export async function createFaq(
  db: Db,
  organizationId: string,
  input: { question: string; answer: string; channelId?: string | null },
): Promise<Faq> {
  if (input.channelId) await assertFaqChannel(db, organizationId, input.channelId);
  const [last] = await db
    .select({ position: max(faqs.position) })
    .from(faqs)
    .where(eq(faqs.organizationId, organizationId));
  const [faq] = await db
    .insert(faqs)
    .values({ ...input, organizationId, position: (last?.position ?? -1) + 1 })
    .returning();
  return faq!;
}

export async function updateFaq(
  db: Db,
  organizationId: string,
  id: string,
  changes: { question?: string; answer?: string; channelId?: string | null },
): Promise<Faq> {
  const faq = await getFaq(db, organizationId, id);
  if (changes.channelId) await assertFaqChannel(db, organizationId, changes.channelId);
  const [updated] = await db
    .update(faqs)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(faqs.organizationId, organizationId), eq(faqs.id, faq.id)))
    .returning();
  return updated!;
}

export async function deleteFaq(db: Db, organizationId: string, id: string): Promise<void> {
  const faq = await getFaq(db, organizationId, id);
  await db.delete(faqs).where(and(eq(faqs.organizationId, organizationId), eq(faqs.id, faq.id)));
}

/** Puts the listed FAQs at positions 0, 1, 2… in that order; FAQs not listed keep their positions after them. */
export async function reorderFaqs(db: Db, organizationId: string, ids: string[]): Promise<Faq[]> {
  const unique = [...new Set(ids)];
  if (unique.length !== ids.length) throw ValidationError.field('ids', 'Each FAQ may appear only once');
  const found = await db
    .select({ id: faqs.id, position: faqs.position })
    .from(faqs)
    .where(and(eq(faqs.organizationId, organizationId), inArray(faqs.id, unique)));
  if (found.length !== unique.length) throw new NotFoundError('FAQ');
  const listed = new Set(unique);
  const rest = await db
    .select({ id: faqs.id })
    .from(faqs)
    .where(eq(faqs.organizationId, organizationId))
    .orderBy(asc(faqs.position), asc(faqs.createdAt));
  const order = [...unique, ...rest.map((r) => r.id).filter((id) => !listed.has(id))];
  const [first, ...others] = order.map((id, position) =>
    db
      .update(faqs)
      .set({ position, updatedAt: new Date() })
      .where(and(eq(faqs.organizationId, organizationId), eq(faqs.id, id))),
  );
  if (first) await db.batch([first, ...others]);
  return listFaqs(db, organizationId);
}

/** The chips a visitor sees: org-wide and this channel's, first by position. */
export async function widgetFaqs(db: Db, organizationId: string, channelId: string) {
  return db
    .select({ id: faqs.id, question: faqs.question, answer: faqs.answer })
    .from(faqs)
    .where(scopeOf(organizationId, channelId))
    .orderBy(asc(faqs.position), asc(faqs.createdAt))
    .limit(WIDGET_FAQ_LIMIT);
}

/** Counts a chip tap; only FAQs this channel shows can be counted. */
export async function recordFaqClick(db: Db, organizationId: string, channelId: string, faqId: string) {
  const [row] = await db
    .update(faqs)
    .set({ clickCount: sql`${faqs.clickCount} + 1` })
    .where(and(scopeOf(organizationId, channelId), eq(faqs.id, faqId)))
    .returning({ id: faqs.id, clickCount: faqs.clickCount });
  if (!row) throw new NotFoundError('FAQ');
  return row;
}
