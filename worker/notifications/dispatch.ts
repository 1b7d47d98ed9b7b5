// The notifications subscriber: turns a conversation's domain events into notifications for the members whose
// preferences ask for them (never the member who caused the event), stores them (one per member per event),
// pushes in-app ones live to that member's dashboards, and hands web push and integrations to keyed jobs.
// A note that @mentions members tells them with a MENTION notification instead of the NEW_MESSAGE one.
import { and, eq, inArray } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { createDb, type Db } from '../db/client';
import {
  contacts,
  conversationAutomation,
  conversations,
  memberships,
  messages,
  notificationIntegrations,
  notificationPreferences,
  notifications,
  pushSubscriptions,
  users,
} from '../db/schema';
import type { AppBindings } from '../env';
import type { FanOutContext, Subscriber } from '../events/fan-out';
import type { DomainEvent } from '../events/types';
import { enqueue } from '../jobs/types';
import { toApiNotification } from './inbox';
import { type NotificationEvent, type PreferenceRow, preferencesFrom } from './preferences';

const PREVIEW_MAX = 200;

/** What members are told, and what integrations post, about one event. */
export interface NotificationContent {
  event: NotificationEvent;
  conversationId: string;
  title: string;
  body: string | null;
  /** Who gets it when their scope is ALL; `assignee` limits it to the assigned member, `mentioned` to those a
   * note mentions (whatever their scope). */
  audience: 'members' | 'assignee' | 'mentioned';
  assigneeId: string | null;
  mentionedIds?: readonly string[];
  /** The same news for a channel everyone reads (Slack, webhooks): no "you". */
  publicTitle: string;
}

function preview(text: string | null | undefined): string | null {
  if (!text) return null;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_MAX ? `${flat.slice(0, PREVIEW_MAX - 1)}…` : flat;
}

/** A conversation as its notifications tell of it. */
interface ConversationFacts {
  organizationId: string;
  assignedToId: string | null;
  lastOwnerId: string | null;
  preview: string | null;
  contactName: string | null;
  contactEmail: string | null;
}

/** Who in an organisation can be told, and how each asked to be. */
export interface Audience {
  /** Its active members. */
  members: string[];
  preferences: PreferenceRow[];
  /** Its enabled integrations and the events each carries. */
  integrations: { id: string; events: NotificationEvent[] }[];
  /** The members with at least one device subscribed to web push (only they get push jobs). */
  pushable: Set<string>;
}

/**
 * What the notifications of a queue batch's events read, once for the batch (`FanOutContext.once`): their
 * conversations (with the contact and the last owner), the messages they tell of, the members they name, and
 * each organisation's audience. Read once, in one D1 round trip, when the batch's first notification needs it.
 *
 * Nothing here goes stale during the batch in a way that matters. Each event's own change is in D1 before the
 * event is queued, so the read sees it. Members, preferences, integrations, push devices and names change through the
 * API only, never by a domain event or a subscriber. A message told of (a customer's, or a team reply not held for
 * approval) is never edited. Of a conversation's facts, the one subscriber that writes any is the flow
 * subscriber, setting the last owner to the assignee it has just checked is current, which leaves
 * `assignee ?? last owner` as read. What the API changes while the batch runs comes with its own event in a
 * later batch, as racy as when each event read its own after it happened.
 */
export interface NotificationLookups {
  conversations: Map<string, ConversationFacts>;
  messages: Map<string, { conversationId: string; content: string }>;
  names: Map<string, string>;
  audiences: Map<string, Audience>;
}

/** Whether the event can tell anyone anything, from the event alone (`describe` says nothing of the others). */
function mayNotify(event: DomainEvent): boolean {
  switch (event.type) {
    case 'conversation.opened':
    case 'conversation.status_changed':
      return true;
    case 'message.accepted':
      // The conversation's first message is the new conversation itself: NEW_CONVERSATION tells of it.
      return !event.first;
    case 'message.posted':
      return event.senderType === 'AGENT' && event.approvalStatus !== 'PENDING';
    case 'conversation.assigned':
      return !!event.assignedToId;
    default:
      return false;
  }
}

/** Ids per statement: an IN list of this many stays under D1's 100 bound parameters. */
const READ_CHUNK = 90;

function chunkedBy<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

const chunked = <T>(items: readonly T[]) => chunkedBy(items, READ_CHUNK);

const audienceQueries = (db: Db, organizationIds: readonly string[]) => ({
  members: chunked(organizationIds).map((ids) =>
    db
      .select({ organizationId: memberships.organizationId, userId: memberships.userId })
      .from(memberships)
      .where(and(inArray(memberships.organizationId, ids), eq(memberships.status, 'ACTIVE'))),
  ),
  preferences: chunked(organizationIds).map((ids) =>
    db.select().from(notificationPreferences).where(inArray(notificationPreferences.organizationId, ids)),
  ),
  pushable: chunked(organizationIds).map((ids) =>
    db
      .selectDistinct({ organizationId: pushSubscriptions.organizationId, userId: pushSubscriptions.userId })
      .from(pushSubscriptions)
      .where(inArray(pushSubscriptions.organizationId, ids)),
  ),
  integrations: chunked(organizationIds).map((ids) =>
    db
      .select({
        id: notificationIntegrations.id,
        organizationId: notificationIntegrations.organizationId,
        events: notificationIntegrations.events,
      })
      .from(notificationIntegrations)
      .where(and(inArray(notificationIntegrations.organizationId, ids), eq(notificationIntegrations.enabled, true))),
  ),
});

/** Runs every query of `groups` in one D1 batch; the rows of each group, flattened. */
async function readTogether<G extends Record<string, PromiseLike<unknown[]>[]>>(
  db: Db,
  groups: G,
): Promise<{ [K in keyof G]: Awaited<G[K][number]>[number][] }> {
  const queries = Object.values(groups).flat();
  const results = queries.length
    ? ((await db.batch(queries as unknown as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])) as unknown[][])
    : [];
  let at = 0;
  const rows: Record<string, unknown[]> = {};
  for (const [key, group] of Object.entries(groups)) {
    rows[key] = results.slice(at, at + group.length).flat();
    at += group.length;
  }
  return rows as { [K in keyof G]: Awaited<G[K][number]>[number][] };
}

function toAudiences(
  organizationIds: readonly string[],
  rows: {
    members: { organizationId: string; userId: string }[];
    preferences: PreferenceRow[];
    integrations: { id: string; organizationId: string; events: NotificationEvent[] }[];
    pushable: { organizationId: string; userId: string }[];
  },
): Map<string, Audience> {
  const audiences = new Map<string, Audience>(
    organizationIds.map((id) => [id, { members: [], preferences: [], integrations: [], pushable: new Set() }]),
  );
  for (const row of rows.pushable) audiences.get(row.organizationId)?.pushable.add(row.userId);
  for (const row of rows.members) audiences.get(row.organizationId)?.members.push(row.userId);
  for (const row of rows.preferences) audiences.get(row.organizationId)?.preferences.push(row);
  for (const row of rows.integrations) {
    audiences.get(row.organizationId)?.integrations.push({ id: row.id, events: row.events });
  }
  return audiences;
}

/** An organisation's audience on its own (news that is not a batch's domain event). */
async function audienceOf(db: Db, organizationId: string): Promise<Audience> {
  const rows = await readTogether(db, audienceQueries(db, [organizationId]));
  return toAudiences([organizationId], rows).get(organizationId)!;
}

/** Reads the batch's `NotificationLookups` (one D1 batch; none when no event can notify). */
export async function notificationLookups(db: Db, batch: readonly DomainEvent[]): Promise<NotificationLookups> {
  const events = batch.filter(mayNotify);
  const unique = (ids: (string | null | undefined)[]) => [...new Set(ids.filter((id): id is string => !!id))];
  const conversationIds = unique(events.map((event) => event.conversationId));
  const messageIds = unique(
    events.map((event) =>
      event.type === 'message.accepted' || event.type === 'message.posted' ? event.messageId : null,
    ),
  );
  // Whoever replied, assigned or changed the status, and the assignee.
  const userIds = unique(
    events.flatMap((event) => [
      event.type === 'message.accepted' || event.type === 'conversation.opened' ? null : event.actor.id,
      event.type === 'conversation.assigned' ? event.assignedToId : null,
    ]),
  );
  const organizationIds = unique(events.map((event) => event.organizationId));
  const rows = await readTogether(db, {
    conversations: chunked(conversationIds).map((ids) =>
      db
        .select({
          id: conversations.id,
          organizationId: conversations.organizationId,
          assignedToId: conversations.assignedToId,
          lastOwnerId: conversationAutomation.lastOwnerId,
          preview: conversations.lastMessagePreview,
          contactName: contacts.name,
          contactEmail: contacts.email,
        })
        .from(conversations)
        .innerJoin(contacts, eq(contacts.id, conversations.contactId))
        .leftJoin(conversationAutomation, eq(conversationAutomation.conversationId, conversations.id))
        .where(inArray(conversations.id, ids)),
    ),
    messages: chunked(messageIds).map((ids) =>
      db
        .select({ id: messages.id, conversationId: messages.conversationId, content: messages.content })
        .from(messages)
        .where(inArray(messages.id, ids)),
    ),
    names: chunked(userIds).map((ids) =>
      db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, ids)),
    ),
    ...audienceQueries(db, organizationIds),
  });
  return {
    conversations: new Map(rows.conversations.map(({ id, ...facts }) => [id, facts])),
    messages: new Map(rows.messages.map(({ id, ...message }) => [id, message])),
    names: new Map(rows.names.map((row) => [row.id, row.name])),
    audiences: toAudiences(organizationIds, rows),
  };
}

/**
 * What the event tells members: at most one notification each (a mentioned member is told of the mention, the
 * others of the note), from what the batch read (the actor wrote the projection before it sent the event).
 */
export function describe(lookups: NotificationLookups, event: DomainEvent): NotificationContent[] {
  if (!mayNotify(event)) return [];
  const conversation = lookups.conversations.get(event.conversationId);
  if (!conversation || conversation.organizationId !== event.organizationId) return [];
  const nameOf = (userId: string | null | undefined) => (userId ? (lookups.names.get(userId) ?? null) : null);
  const who = conversation.contactName || conversation.contactEmail || 'a visitor';
  // A conversation handed back to the bot has no assignee; its news still goes to its most recent owner
  // (ChatSparks' human handoff), whose "assigned to me" scope keeps covering it.
  const base = {
    conversationId: event.conversationId,
    assigneeId: conversation.assignedToId ?? conversation.lastOwnerId,
  };
  switch (event.type) {
    case 'conversation.opened':
      return [
        {
          ...base,
          event: 'NEW_CONVERSATION',
          audience: 'members',
          title: `New conversation with ${who}`,
          publicTitle: `New conversation with ${who}`,
          body: preview(conversation.preview),
        },
      ];
    case 'message.accepted':
    case 'message.posted': {
      // (`mayNotify`: no first message, no team message but an agent's that is not held for approval.)
      const message = lookups.messages.get(event.messageId);
      if (message?.conversationId !== event.conversationId) return [];
      if (event.type === 'message.accepted') {
        return [
          {
            ...base,
            event: 'NEW_MESSAGE',
            audience: 'members',
            title: `New message from ${who}`,
            publicTitle: `New message from ${who}`,
            body: preview(message.content),
          },
        ];
      }
      const agent = nameOf(event.actor.id) ?? 'A teammate';
      const what = event.isNote ? 'added a note' : 'replied';
      const posted: NotificationContent = {
        ...base,
        event: 'NEW_MESSAGE',
        audience: 'members',
        title: `${agent} ${what} to ${who}`,
        publicTitle: `${agent} ${what} to ${who}`,
        body: preview(message.content),
      };
      if (!event.isNote || !event.mentions?.length) return [posted];
      // Listed first: a mentioned member is told of the mention and not also of the note.
      const mention: NotificationContent = {
        ...posted,
        event: 'MENTION',
        audience: 'mentioned',
        mentionedIds: event.mentions,
        title: `${agent} mentioned you in a note on the conversation with ${who}`,
        publicTitle: `${agent} mentioned a teammate in a note on the conversation with ${who}`,
      };
      return [mention, posted];
    }
    case 'conversation.assigned': {
      if (!event.assignedToId) return [];
      const by = nameOf(event.actor.type === 'USER' ? event.actor.id : null);
      const assignee = nameOf(event.assignedToId) ?? 'a member';
      return [
        {
          ...base,
          assigneeId: event.assignedToId,
          event: 'ASSIGNED',
          audience: 'assignee',
          title: by
            ? `${by} assigned you the conversation with ${who}`
            : `You were assigned the conversation with ${who}`,
          publicTitle: `Conversation with ${who} assigned to ${assignee}`,
          body: preview(conversation.preview),
        },
      ];
    }
    case 'conversation.status_changed': {
      const by = nameOf(event.actor.type === 'USER' ? event.actor.id : null);
      const title = `Conversation with ${who} is now ${event.to.toLowerCase()}`;
      return [
        {
          ...base,
          event: 'STATUS_CHANGED',
          audience: 'members',
          title,
          publicTitle: title,
          body: by ? `Changed by ${by}` : null,
        },
      ];
    }
    default:
      return [];
  }
}

interface Delivery {
  userId: string;
  content: NotificationContent;
  inApp: boolean;
  email: boolean;
  push: boolean;
}

/** Who receives the notification and through which channels: preferences, scope, and never the actor. */
export function recipients(audience: Audience, content: NotificationContent, actor: DomainEvent['actor']): Delivery[] {
  const actorId = actor.type === 'USER' ? actor.id : null;
  const candidates = audience.members
    .filter((id) => id !== actorId)
    .filter((id) =>
      content.audience === 'members'
        ? true
        : content.audience === 'assignee'
          ? id === content.assigneeId
          : (content.mentionedIds ?? []).includes(id),
    );
  const prefs = preferencesFrom(audience.preferences, candidates);
  const deliveries: Delivery[] = [];
  for (const userId of candidates) {
    const p = prefs.get(userId);
    if (!p) continue;
    // ASSIGNED_ONLY: only conversations assigned to this member (an ASSIGNED alert is, by definition), and
    // whatever mentions them by name.
    if (p.scope === 'ASSIGNED_ONLY' && content.assigneeId !== userId && content.audience !== 'mentioned') continue;
    const row = p.matrix[content.event];
    if (row.IN_APP || row.EMAIL || row.PUSH) {
      deliveries.push({ userId, content, inApp: row.IN_APP, email: row.EMAIL, push: row.PUSH });
    }
  }
  return deliveries;
}

/** Rows per insert: 10 columns each keeps a statement under D1's 100 bound parameters. */
const INSERT_CHUNK = 9;

/**
 * The subscriber's run: what the event tells, delivered. In a queue batch it reads from the batch's lookups
 * (`notificationLookups`, once per batch); called on its own it reads its own.
 */
export async function dispatch(env: AppBindings, event: DomainEvent, context?: FanOutContext): Promise<void> {
  const db = createDb(env.DB);
  const lookups = context ? await context.once(notificationLookups) : await notificationLookups(db, [event]);
  await deliver(env, db, event, describe(lookups, event), lookups.audiences.get(event.organizationId));
}

/** What `deliver` needs of an event: its id keys the notifications (one per member), so a retry tells nobody twice. */
export type NotifiedEvent = Pick<DomainEvent, 'id' | 'organizationId' | 'occurredAt' | 'actor'>;

/**
 * Stores, pushes and hands to integrations what `contents` tell (the first content that reaches a member wins).
 * Domain events come through `dispatch`; news that is not a domain event (the AI handing a conversation to a
 * human, events/needs-human.ts) comes here directly, without an `audience`, which is then read here.
 */
export async function deliver(
  env: AppBindings,
  db: Db,
  event: NotifiedEvent,
  contents: NotificationContent[],
  audience?: Audience,
): Promise<void> {
  if (!contents.length) return;
  const members = audience ?? (await audienceOf(db, event.organizationId));

  // One notification per member: the first content that reaches them (a mention before the note).
  const deliveries: Delivery[] = [];
  for (const content of contents) {
    const told = new Set(deliveries.map((d) => d.userId));
    for (const d of recipients(members, content, event.actor)) {
      if (!told.has(d.userId)) deliveries.push(d);
    }
  }

  // The rows, and then the ids of those that push (made now or by a run before: push jobs go out again on a
  // redelivered event; each device is sent a notification once, whatever the number of jobs, push.ts), in
  // one D1 batch.
  // A member with no subscribed device is not pushed to: their push job would find nothing to send.
  const pushTo = deliveries.filter((d) => d.push && members.pushable.has(d.userId)).map((d) => d.userId);
  const inserts = chunkedBy(deliveries, INSERT_CHUNK).map((chunk) =>
    db
      .insert(notifications)
      .values(
        chunk.map((d) => ({
          organizationId: event.organizationId,
          userId: d.userId,
          event: d.content.event,
          eventId: event.id,
          conversationId: d.content.conversationId,
          title: d.content.title,
          body: d.content.body,
          inApp: d.inApp,
          emailStatus: d.email ? ('PENDING' as const) : null,
          createdAt: new Date(event.occurredAt),
        })),
      )
      .onConflictDoNothing({ target: [notifications.userId, notifications.eventId] })
      .returning(),
  );
  const pushed = chunked(pushTo).map((ids) =>
    db
      .select({ id: notifications.id })
      .from(notifications)
      .where(and(eq(notifications.eventId, event.id), inArray(notifications.userId, ids))),
  );
  const written = await readTogether(db, { created: inserts, pushed });

  await publishToUsers(
    env,
    event.organizationId,
    written.created
      .filter((row) => row.inApp)
      .map((row) => ({
        userId: row.userId,
        frame: { type: 'notification', userId: row.userId, notification: toApiNotification(row) },
      })),
  );

  for (const row of written.pushed) {
    await enqueue(env.JOBS, {
      kind: 'notification.push',
      organizationId: event.organizationId,
      notificationId: row.id,
    });
  }

  // Integrations carry the news itself, never whom a note mentioned.
  const content = contents.find((c) => c.event !== 'MENTION');
  if (!content || content.event === 'MENTION') return;
  for (const integration of members.integrations.filter((row) => row.events.includes(content.event))) {
    await enqueue(env.JOBS, {
      kind: 'notification.integration',
      organizationId: event.organizationId,
      integrationId: integration.id,
      eventId: event.id,
      message: {
        event: content.event,
        conversationId: content.conversationId,
        title: content.publicTitle,
        body: content.body,
        occurredAt: new Date(event.occurredAt).toISOString(),
      },
    });
  }
}

interface UserHubRpc {
  publishToUsers(frames: { userId: string; frame: unknown }[]): Promise<number>;
}

/**
 * Tells the members' open notification centres, in one hub call for all of them. Live delivery is best effort
 * like every hub frame: the centre refetches when it opens or reconnects.
 */
async function publishToUsers(env: AppBindings, organizationId: string, frames: { userId: string; frame: object }[]) {
  if (!frames.length) return;
  try {
    const hub = env.ORG_HUB.get(env.ORG_HUB.idFromName(organizationId)) as unknown as UserHubRpc;
    await hub.publishToUsers(frames);
  } catch (error) {
    console.error('Org hub notification publish failed:', error);
  }
}

export const notificationSubscriber: Subscriber = {
  name: 'notifications',
  on: [
    'conversation.opened',
    'message.accepted',
    'message.posted',
    'conversation.assigned',
    'conversation.status_changed',
  ],
  // Not for a team message nobody is told of (the AI's, the system's, one held for approval) nor an unassignment.
  // A conversation's first message tells nothing either (NEW_CONVERSATION does) but is still claimed: its run
  // reads nothing of its own.
  wants: (event) => event.type === 'message.accepted' || mayNotify(event),
  run: dispatch,
};
