// The origins a channel's widget refused lately (not in its allowed domains), so the channel page can tell an admin
// "your widget on shop.example.com was refused: add it". The Origin header is the caller's to choose, so a flood
// of refusals must not become a flood of D1 writes: each isolate coalesces them per channel (one write at most
// every minute, plus a few immediate ones for origins it has not stored yet) and D1 keeps the 20 newest.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { type Channel, widgetRefusedOrigins } from '../../db/schema';
import { originAllowed } from './widget';

export const REFUSED_ORIGINS_KEPT = 20;
const FLUSH_EVERY_MS = 60_000;
/** Origins written at once (not waiting for the minute) per channel per minute: an admin trying a site sees it. */
const IMMEDIATE_PER_WINDOW = 3;
const ORIGIN_MAX_LENGTH = 300;
/** Channels an isolate keeps state for; the oldest is forgotten beyond it. */
const CHANNELS_TRACKED = 500;

interface Seen {
  count: number;
  firstSeenAt: number;
  lastSeenAt: number;
}

interface ChannelState {
  unwritten: Map<string, Seen>;
  /** Origins this isolate has stored already (bounded like the table). */
  stored: Set<string>;
  windowStartedAt: number;
  immediateLeft: number;
}

const states = new Map<string, ChannelState>();

/** `scheme://host[:port]` of an http(s) Origin header, or null for anything else ("null", junk, too long). */
export function normalOrigin(header: string | null | undefined): string | null {
  if (!header || header.length > ORIGIN_MAX_LENGTH) return null;
  try {
    const url = new URL(header);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

function stateOf(channelId: string, now: number): ChannelState {
  let state = states.get(channelId);
  if (!state) {
    if (states.size >= CHANNELS_TRACKED) states.delete(states.keys().next().value as string);
    state = { unwritten: new Map(), stored: new Set(), windowStartedAt: now, immediateLeft: IMMEDIATE_PER_WINDOW };
    states.set(channelId, state);
  }
  return state;
}

/**
 * Notes one refusal. Returns the D1 write to wait for (waitUntil) when one is due, or null when the refusal is
 * kept in memory for the channel's next write. A count kept in memory is lost if the isolate ends first: the
 * counts are a lower bound, the origins are not (a new origin is written at once unless a flood used the budget).
 */
export function noteRefusedOrigin(
  db: Db,
  channel: Pick<Channel, 'id' | 'organizationId'>,
  originHeader: string | null | undefined,
  now = Date.now(),
): Promise<void> | null {
  const origin = normalOrigin(originHeader);
  if (!origin) return null;
  const state = stateOf(channel.id, now);
  const seen = state.unwritten.get(origin);
  if (seen) {
    seen.count++;
    seen.lastSeenAt = now;
  } else if (state.unwritten.size < REFUSED_ORIGINS_KEPT) {
    state.unwritten.set(origin, { count: 1, firstSeenAt: now, lastSeenAt: now });
  }
  if (now - state.windowStartedAt >= FLUSH_EVERY_MS) {
    state.windowStartedAt = now;
    state.immediateLeft = IMMEDIATE_PER_WINDOW;
  } else if (state.stored.has(origin) || state.immediateLeft <= 0) {
    return null;
  } else {
    state.immediateLeft--;
  }
  const batch = state.unwritten;
  state.unwritten = new Map();
  for (const written of batch.keys()) {
    state.stored.add(written);
    if (state.stored.size > REFUSED_ORIGINS_KEPT) state.stored.delete(state.stored.values().next().value as string);
  }
  return writeRefusals(db, channel, batch).catch((error: unknown) => {
    // Best effort: the visitor's answer (403) does not depend on it.
    console.error('Could not record refused widget origins:', error);
  });
}

async function writeRefusals(db: Db, channel: Pick<Channel, 'id' | 'organizationId'>, batch: Map<string, Seen>) {
  if (!batch.size) return;
  const upserts = [...batch].map(([origin, seen]) =>
    db
      .insert(widgetRefusedOrigins)
      .values({
        organizationId: channel.organizationId,
        channelId: channel.id,
        origin,
        count: seen.count,
        firstSeenAt: new Date(seen.firstSeenAt),
        lastSeenAt: new Date(seen.lastSeenAt),
      })
      .onConflictDoUpdate({
        target: [widgetRefusedOrigins.channelId, widgetRefusedOrigins.origin],
        set: {
          count: sql`${widgetRefusedOrigins.count} + excluded.count`,
          lastSeenAt: sql`max(${widgetRefusedOrigins.lastSeenAt}, excluded.last_seen_at)`,
        },
      }),
  );
  // Only the newest REFUSED_ORIGINS_KEPT stay.
  const trim = db
    .delete(widgetRefusedOrigins)
    .where(
      and(
        eq(widgetRefusedOrigins.organizationId, channel.organizationId),
        eq(widgetRefusedOrigins.channelId, channel.id),
        sql`${widgetRefusedOrigins.origin} not in (select origin from widget_refused_origins where channel_id = ${channel.id} order by last_seen_at desc limit ${REFUSED_ORIGINS_KEPT})`,
      ),
    );
  await db.batch([upserts[0]!, ...upserts.slice(1), trim]);
}

/** The channel page's list, newest first; `allowedNow` once the admin added the site to the allowed domains. */
export async function refusedOrigins(db: Db, channel: Pick<Channel, 'id' | 'organizationId' | 'settings'>) {
  const rows = await db
    .select()
    .from(widgetRefusedOrigins)
    .where(
      and(
        eq(widgetRefusedOrigins.organizationId, channel.organizationId),
        eq(widgetRefusedOrigins.channelId, channel.id),
      ),
    )
    .orderBy(desc(widgetRefusedOrigins.lastSeenAt))
    .limit(REFUSED_ORIGINS_KEPT);
  const allowed = channel.settings.allowedDomains ?? [];
  return rows.map((row) => ({
    origin: row.origin,
    count: row.count,
    firstSeenAt: row.firstSeenAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
    allowedNow: !allowed.length || originAllowed(allowed, new URL(row.origin).hostname),
  }));
}
