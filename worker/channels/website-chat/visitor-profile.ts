// What the team sees about a website visitor in the contact panel: a readable generated name (instead of
// "Visitor" for everyone), the page they were on, browser and OS, country and city from the edge's request data,
// their time zone (for their local time), and when they were first and last seen. Kept in contacts.metadata.visitor.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { contacts, conversations } from '../../db/schema';
import { NotFoundError } from '../../lib/errors';

const ADJECTIVES = [
  'Amber',
  'Azure',
  'Brave',
  'Bright',
  'Calm',
  'Clever',
  'Coral',
  'Crimson',
  'Eager',
  'Gentle',
  'Golden',
  'Happy',
  'Indigo',
  'Jolly',
  'Kind',
  'Lively',
  'Lucky',
  'Mellow',
  'Misty',
  'Noble',
  'Olive',
  'Quiet',
  'Rapid',
  'Rosy',
  'Silver',
  'Sunny',
  'Swift',
  'Teal',
  'Tidy',
  'Violet',
  'Witty',
  'Zesty',
];
const ANIMALS = [
  'Badger',
  'Beaver',
  'Bison',
  'Crane',
  'Dolphin',
  'Eagle',
  'Falcon',
  'Ferret',
  'Finch',
  'Fox',
  'Gecko',
  'Heron',
  'Ibis',
  'Koala',
  'Lark',
  'Lynx',
  'Marten',
  'Moose',
  'Newt',
  'Otter',
  'Owl',
  'Panda',
  'Puffin',
  'Quail',
  'Raven',
  'Robin',
  'Seal',
  'Sparrow',
  'Stork',
  'Tiger',
  'Walrus',
  'Wren',
];

/** A stable, readable name for a visitor id ("Amber Otter"); the same id always gets the same name. */
export function visitorName(visitorId: string): string {
  let hash = 2166136261;
  for (let i = 0; i < visitorId.length; i++) hash = Math.imul(hash ^ visitorId.charCodeAt(i), 16777619) >>> 0;
  return `${ADJECTIVES[hash % ADJECTIVES.length]} ${ANIMALS[(hash >>> 8) % ANIMALS.length]}`;
}

export interface VisitorProfile {
  page: string | null;
  browser: string | null;
  os: string | null;
  country: string | null;
  city: string | null;
  timezone: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
}

/** Browser and OS families from a User-Agent header (the order matters: Edge says Chrome, Chrome says Safari). */
export function describeUserAgent(ua: string | null | undefined): { browser: string | null; os: string | null } {
  if (!ua) return { browser: null, os: null };
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\/|Opera/.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrome\/|Chromium\/|CriOS\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : null;
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /iPhone|iPad|iPod/.test(ua)
      ? 'iOS'
      : /Android/.test(ua)
        ? 'Android'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /CrOS/.test(ua)
            ? 'ChromeOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : null;
  return { browser, os };
}

const text = (value: unknown, max: number) => (typeof value === 'string' && value ? value.slice(0, max) : null);

/** Only an http(s) page address is kept (nothing that could run when an agent opens it). */
function pageUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href.slice(0, 2000) : null;
  } catch {
    return null;
  }
}

/** Records a visit (the widget's socket opening): where from, with what, and when; first seen is kept. */
export async function recordVisit(
  db: Db,
  contactId: string,
  visit: { page?: string | null; timezone?: string | null; userAgent?: string | null; cf?: Record<string, unknown> },
  now = new Date(),
): Promise<void> {
  const [row] = await db.select({ metadata: contacts.metadata }).from(contacts).where(eq(contacts.id, contactId));
  const before = (row?.metadata?.visitor ?? null) as Partial<VisitorProfile> | null;
  const { browser, os } = describeUserAgent(visit.userAgent);
  const profile: VisitorProfile = {
    page: pageUrl(visit.page) ?? before?.page ?? null,
    browser: browser ?? before?.browser ?? null,
    os: os ?? before?.os ?? null,
    country: text(visit.cf?.country, 8) ?? before?.country ?? null,
    city: text(visit.cf?.city, 100) ?? before?.city ?? null,
    timezone: text(visit.timezone, 64) ?? text(visit.cf?.timezone, 64) ?? before?.timezone ?? null,
    firstSeenAt: before?.firstSeenAt ?? now.toISOString(),
    lastSeenAt: now.toISOString(),
  };
  await db
    .update(contacts)
    .set({
      metadata: sql`json_set(coalesce(${contacts.metadata}, '{}'), '$.visitor', json(${JSON.stringify(profile)}))`,
      lastSeenAt: now,
    })
    .where(eq(contacts.id, contactId));
}

/** The visitor profile of a conversation's contact, for the agent (null for contacts of other channels). */
export async function conversationVisitor(db: Db, organizationId: string, conversationId: string) {
  const [row] = await db
    .select({ metadata: contacts.metadata, createdAt: contacts.createdAt, lastSeenAt: contacts.lastSeenAt })
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .where(and(eq(conversations.id, conversationId), eq(conversations.organizationId, organizationId)))
    .limit(1);
  if (!row) throw new NotFoundError('Conversation');
  const visitor = (row.metadata?.visitor ?? null) as VisitorProfile | null;
  const identity = (row.metadata?.identity ?? null) as { verified?: boolean } | null;
  return {
    profile: visitor,
    identityVerified: identity?.verified === true,
    firstSeenAt: visitor?.firstSeenAt ?? row.createdAt.toISOString(),
    lastSeenAt: visitor?.lastSeenAt ?? row.lastSeenAt?.toISOString() ?? null,
  };
}
