// A member's notification preferences: which events reach them through which personal delivery channel, and
// the scope (every conversation, or only those assigned to them). Rows exist only once the member saved
// them; until then the defaults apply. Slack and webhooks are organisation integrations with their own events.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { NOTIFICATION_EVENTS, type NOTIFICATION_SCOPES, notificationPreferences } from '../db/schema';

export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export type NotificationScope = (typeof NOTIFICATION_SCOPES)[number];
/** The delivery channels a member chooses for themselves. */
export const PERSONAL_DELIVERIES = ['IN_APP', 'EMAIL', 'PUSH'] as const;
export type PersonalDelivery = (typeof PERSONAL_DELIVERIES)[number];

export type Matrix = Record<NotificationEvent, Record<PersonalDelivery, boolean>>;

export interface Preferences {
  scope: NotificationScope;
  matrix: Matrix;
}

/**
 * A new member: everything in the app, email when something is assigned to them or a teammate mentions them,
 * push (once a device subscribes) for what needs an answer.
 */
export function defaultPreferences(): Preferences {
  const row = (inApp: boolean, email: boolean, push: boolean) => ({ IN_APP: inApp, EMAIL: email, PUSH: push });
  return {
    scope: 'ALL',
    matrix: {
      NEW_CONVERSATION: row(true, false, true),
      NEW_MESSAGE: row(true, false, true),
      ASSIGNED: row(true, true, true),
      STATUS_CHANGED: row(true, false, false),
      MENTION: row(true, true, true),
      NEEDS_HUMAN: row(true, false, true),
    },
  };
}

function isPersonal(delivery: string): delivery is PersonalDelivery {
  return (PERSONAL_DELIVERIES as readonly string[]).includes(delivery);
}

/** A stored preference row (one per member, event and delivery channel). */
export type PreferenceRow = typeof notificationPreferences.$inferSelect;

/** Preferences of many members of one organisation at once (the dispatcher's), from its stored rows, defaults filled in. */
export function preferencesFrom(rows: readonly PreferenceRow[], userIds: readonly string[]): Map<string, Preferences> {
  const result = new Map(userIds.map((id) => [id, defaultPreferences()]));
  for (const row of rows) {
    const prefs = result.get(row.userId);
    if (!prefs || !isPersonal(row.delivery)) continue;
    prefs.matrix[row.event][row.delivery] = row.enabled;
    prefs.scope = row.scope;
  }
  return result;
}

export async function getPreferences(db: Db, organizationId: string, userId: string): Promise<Preferences> {
  const rows = await db
    .select()
    .from(notificationPreferences)
    .where(and(eq(notificationPreferences.organizationId, organizationId), eq(notificationPreferences.userId, userId)));
  const prefs = defaultPreferences();
  for (const row of rows) {
    if (!isPersonal(row.delivery)) continue;
    prefs.matrix[row.event][row.delivery] = row.enabled;
    prefs.scope = row.scope;
  }
  return prefs;
}

export interface PreferencesChange {
  scope?: NotificationScope;
  matrix?: Partial<Record<NotificationEvent, Partial<Record<PersonalDelivery, boolean>>>>;
}

/** Applies a (partial) change and stores the whole matrix, so the saved state no longer follows the defaults. */
export async function savePreferences(
  db: Db,
  organizationId: string,
  userId: string,
  change: PreferencesChange,
): Promise<Preferences> {
  const prefs = await getPreferences(db, organizationId, userId);
  if (change.scope) prefs.scope = change.scope;
  for (const [event, row] of Object.entries(change.matrix ?? {}) as [
    NotificationEvent,
    Partial<Record<PersonalDelivery, boolean>>,
  ][]) {
    for (const [delivery, enabled] of Object.entries(row) as [PersonalDelivery, boolean][]) {
      prefs.matrix[event][delivery] = enabled;
    }
  }
  const now = new Date();
  const values = NOTIFICATION_EVENTS.flatMap((event) =>
    PERSONAL_DELIVERIES.map((delivery) => ({
      organizationId,
      userId,
      event,
      delivery,
      enabled: prefs.matrix[event][delivery],
      scope: prefs.scope,
      updatedAt: now,
    })),
  );
  // 15 rows × 7 columns stays under D1's 100 bound parameters per statement only in two halves.
  const half = Math.ceil(values.length / 2);
  const upsert = (chunk: typeof values) =>
    db
      .insert(notificationPreferences)
      .values(chunk)
      .onConflictDoUpdate({
        target: [
          notificationPreferences.organizationId,
          notificationPreferences.userId,
          notificationPreferences.event,
          notificationPreferences.delivery,
        ],
        set: {
          enabled: sqlExcluded('enabled'),
          scope: sqlExcluded('scope'),
          updatedAt: now,
        },
      });
  await db.batch([upsert(values.slice(0, half)), upsert(values.slice(half))]);
  return prefs;
}

function sqlExcluded(column: string) {
  return sql.raw(`excluded.${column}`);
}
