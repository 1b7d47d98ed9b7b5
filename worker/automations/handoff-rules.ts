// Sensitive keywords in a buyer's DM: the per-locale defaults (English and Thai) plus the workspace's own terms,
// each handing the conversation to a human, tagging the contact, or both. Matching runs on normalised text
// (text.ts: case, width and Latin diacritics folded; whitespace collapsed): a term written in Latin letters
// matches on word boundaries ("cancel" does not match "cancellation policy?" but "where is my order" matches
// "hey, where is my order??"); any other term (Thai is written without spaces) matches as a substring.
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { automationSettings, handoffRules } from '../db/schema';
import { normaliseText } from './text';

export interface HandoffRule {
  term: string;
  handoff: boolean;
  tag: string | null;
}

export const DEFAULT_HANDOFF_RULES: readonly (HandoffRule & { locale: 'en' | 'th' })[] = [
  { locale: 'en', term: 'refund', handoff: true, tag: 'refund' },
  { locale: 'en', term: 'cancel', handoff: true, tag: 'cancel' },
  { locale: 'en', term: 'complaint', handoff: true, tag: 'complaint' },
  { locale: 'en', term: 'allergy', handoff: true, tag: 'allergy' },
  { locale: 'en', term: 'allergic', handoff: true, tag: 'allergy' },
  { locale: 'en', term: 'rash', handoff: true, tag: 'allergy' },
  { locale: 'en', term: 'where is my order', handoff: true, tag: 'shipping' },
  { locale: 'en', term: 'talk to a human', handoff: true, tag: null },
  { locale: 'th', term: 'คืนเงิน', handoff: true, tag: 'refund' },
  { locale: 'th', term: 'ยกเลิก', handoff: true, tag: 'cancel' },
  { locale: 'th', term: 'ร้องเรียน', handoff: true, tag: 'complaint' },
  { locale: 'th', term: 'แพ้', handoff: true, tag: 'allergy' },
  { locale: 'th', term: 'ของยังไม่ถึง', handoff: true, tag: 'shipping' },
  { locale: 'th', term: 'คุยกับแอดมิน', handoff: true, tag: null },
];

/** The Waiting → Closed window when the workspace did not set one: 24 hours. */
export const DEFAULT_WAIT_WINDOW_MINUTES = 24 * 60;

const LATIN_TERM = /^[\p{Script=Latin}\p{N}\s'’-]+$/u;

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a (normalised) text contains a term under the rule above. */
export function termMatches(text: string, term: string): boolean {
  const t = normaliseText(term);
  if (!t) return false;
  const haystack = normaliseText(text);
  if (!LATIN_TERM.test(t)) return haystack.includes(t);
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(t)}(?![\\p{L}\\p{N}])`, 'u').test(haystack);
}

export function matchRules(text: string, rules: readonly HandoffRule[]): HandoffRule[] {
  return rules.filter((rule) => termMatches(text, rule.term));
}

export async function loadSettings(db: Db, organizationId: string) {
  const [row] = await db.select().from(automationSettings).where(eq(automationSettings.organizationId, organizationId));
  return {
    useDefaultHandoffTerms: row?.useDefaultHandoffTerms ?? true,
    waitWindowMinutes: row?.waitWindowMinutes ?? DEFAULT_WAIT_WINDOW_MINUTES,
  };
}

export async function saveSettings(
  db: Db,
  organizationId: string,
  changes: { useDefaultHandoffTerms?: boolean; waitWindowMinutes?: number },
) {
  const current = await loadSettings(db, organizationId);
  const next = { ...current, ...changes };
  await db
    .insert(automationSettings)
    .values({ organizationId, ...next, updatedAt: new Date() })
    .onConflictDoUpdate({ target: automationSettings.organizationId, set: { ...next, updatedAt: new Date() } });
  return next;
}

export async function handoffRulesView(db: Db, organizationId: string) {
  const rows = await db
    .select()
    .from(handoffRules)
    .where(eq(handoffRules.organizationId, organizationId))
    .orderBy(asc(handoffRules.position));
  const settings = await loadSettings(db, organizationId);
  return {
    defaults: DEFAULT_HANDOFF_RULES.map((r) => ({ ...r })),
    rules: rows.map((r) => ({ term: r.term, handoff: r.handoff, tag: r.tag })),
    useDefaults: settings.useDefaultHandoffTerms,
  };
}

/** Replaces the workspace's terms (the list is small: one delete and one insert batch). */
export async function saveHandoffRules(
  db: Db,
  organizationId: string,
  input: { rules: HandoffRule[]; useDefaults: boolean },
) {
  // Two terms that normalise alike are one term: the first wins.
  const seen = new Set<string>();
  const rules = input.rules.filter((r) => {
    const key = normaliseText(r.term);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const statements = [
    db.delete(handoffRules).where(eq(handoffRules.organizationId, organizationId)),
    // Five bound parameters a row: 19 rows per statement stay under D1's 100-parameter limit.
    ...Array.from({ length: Math.ceil(rules.length / 19) }, (_, i) =>
      db.insert(handoffRules).values(
        rules.slice(i * 19, i * 19 + 19).map((r, j) => ({
          organizationId,
          term: r.term,
          handoff: r.handoff,
          tag: r.tag,
          position: i * 19 + j,
        })),
      ),
    ),
  ];
  await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
  await saveSettings(db, organizationId, { useDefaultHandoffTerms: input.useDefaults });
  return handoffRulesView(db, organizationId);
}

/** The rules that apply to a workspace's DMs: its own terms, then the defaults unless it turned them off. */
export async function effectiveRules(db: Db, organizationId: string): Promise<HandoffRule[]> {
  const [own, settings] = await Promise.all([
    db
      .select({ term: handoffRules.term, handoff: handoffRules.handoff, tag: handoffRules.tag })
      .from(handoffRules)
      .where(and(eq(handoffRules.organizationId, organizationId)))
      .orderBy(asc(handoffRules.position)),
    loadSettings(db, organizationId),
  ]);
  return settings.useDefaultHandoffTerms ? [...own, ...DEFAULT_HANDOFF_RULES] : own;
}
