// The notifications subscriber: turns a conversation's domain events into notifications for the members whose
// preferences ask for them (never the member who caused the event), stores them (one per member per event),
// pushes in-app ones live to that member's dashboards, and hands web push and integrations to keyed jobs.
// A note that @mentions members tells them with a MENTION notification instead of the NEW_MESSAGE one.
import { and, eq, inArray } from 'drizzle-orm';
import { createDb, type Db } from '../db/client';
import {
  contacts,
  conversationAutomation,
  conversations,
  memberships,
  messages,
  notifications,
  users,
} from '../db/schema';
import type { AppBindings } from '../env';
import type { Subscriber } from '../events/fan-out';
import type { DomainEvent } from '../events/types';
import { enqueue } from '../jobs/types';
import { toApiNotification } from './inbox';
import { integrationsFor } from './integrations';
import { type NotificationEvent, preferencesOf } from './preferences';

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

async function nameOf(db: Db, userId: string | null | undefined): Promise<string | null> {
  if (!userId) return null;
  const [row] = await db.select({ name: users.name }).from(users).where(eq(users.id, userId));
  return row?.name ?? null;
}

/**
 * What the event tells members: at most one notification each (a mentioned member is told of the mention, the
 * others of the note), read from D1 (the actor wrote the projection before it sent the event).
 */
export async function describe(db: Db, event: DomainEvent): Promise<NotificationContent[]> {
  const [conversation] = await db
    .select({
      assignedToId: conversations.assignedToId,
      lastOwnerId: conversationAutomation.lastOwnerId,
      preview: conversations.lastMessagePreview,
      contactName: contacts.name,
      contactEmail: contacts.email,
    })
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .leftJoin(conversationAutomation, eq(conversationAutomation.conversationId, conversations.id))
    .where(and(eq(conversations.id, event.conversationId), eq(conversations.organizationId, event.organizationId)));
  if (!conversation) return [];
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
      if (event.type === 'message.posted' && (event.senderType !== 'AGENT' || event.approvalStatus === 'PENDING')) {
        return [];
      }
      const [message] = await db
        .select({ seq: messages.seq, content: messages.content })
        .from(messages)
        .where(and(eq(messages.id, event.messageId), eq(messages.conversationId, event.conversationId)));
      if (!message) return [];
      if (event.type === 'message.accepted') {
        // The conversation's first message is the new conversation itself: NEW_CONVERSATION tells of it.
        if (event.first) return [];
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
      const agent = (await nameOf(db, event.actor.id)) ?? 'A teammate';
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
      const by = await nameOf(db, event.actor.type === 'USER' ? event.actor.id : null);
      const assignee = (await nameOf(db, event.assignedToId)) ?? 'a member';
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
      const by = await nameOf(db, event.actor.type === 'USER' ? event.actor.id : null);
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
export async function recipients(
  db: Db,
  organizationId: string,
  content: NotificationContent,
  actor: DomainEvent['actor'],
): Promise<Delivery[]> {
  const members = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.status, 'ACTIVE')));
  const actorId = actor.type === 'USER' ? actor.id : null;
  const candidates = members
    .map((m) => m.userId)
    .filter((id) => id !== actorId)
    .filter((id) =>
      content.audience === 'members'
        ? true
        : content.audience === 'assignee'
          ? id === content.assigneeId
          : (content.mentionedIds ?? []).includes(id),
    );
  const prefs = await preferencesOf(db, organizationId, candidates);
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

export async function dispatch(env: AppBindings, event: DomainEvent): Promise<void> {
  const db = createDb(env.DB);
  await deliver(env, db, event, await describe(db, event));
}

/** What `deliver` needs of an event: its id keys the notifications (one per member), so a retry tells nobody twice. */
export type NotifiedEvent = Pick<DomainEvent, 'id' | 'organizationId' | 'occurredAt' | 'actor'>;

/**
 * Stores, pushes and hands to integrations what `contents` tell (the first content that reaches a member wins).
 * Domain events come through `dispatch`; news that is not a domain event (the AI handing a conversation to a
 * human, events/needs-human.ts) comes here directly.
 */
export async function deliver(
  env: AppBindings,
  db: Db,
  event: NotifiedEvent,
  contents: NotificationContent[],
): Promise<void> {
  if (!contents.length) return;

  // One notification per member: the first content that reaches them (a mention before the note).
  const deliveries: Delivery[] = [];
  for (const content of contents) {
    const told = new Set(deliveries.map((d) => d.userId));
    for (const d of await recipients(db, event.organizationId, content, event.actor)) {
      if (!told.has(d.userId)) deliveries.push(d);
    }
  }
  const created: (typeof notifications.$inferSelect)[] = [];
  for (let i = 0; i < deliveries.length; i += INSERT_CHUNK) {
    const chunk = deliveries.slice(i, i + INSERT_CHUNK);
    const rows = await db
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
      .returning();
    created.push(...rows);
  }

  for (const row of created) {
    if (!row.inApp) continue;
    await publishToUser(env, event.organizationId, row.userId, {
      type: 'notification',
      userId: row.userId,
      notification: toApiNotification(row),
    });
  }

  // Push jobs go out again on a redelivered event (their rows were made by the first run); each device
  // is sent a notification once, whatever the number of jobs (push.ts).
  const pushTo = deliveries.filter((d) => d.push).map((d) => d.userId);
  for (let i = 0; i < pushTo.length; i += 90) {
    const rows = await db
      .select({ id: notifications.id })
      .from(notifications)
      .where(and(eq(notifications.eventId, event.id), inArray(notifications.userId, pushTo.slice(i, i + 90))));
    for (const row of rows) {
      await enqueue(env.JOBS, {
        kind: 'notification.push',
        organizationId: event.organizationId,
        notificationId: row.id,
      });
    }
  }

  // Integrations carry the news itself, never whom a note mentioned.
  const content = contents.find((c) => c.event !== 'MENTION');
  if (!content || content.event === 'MENTION') return;
  for (const integration of await integrationsFor(db, event.organizationId, content.event)) {
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
  publishToUser(userId: string, frame: unknown): Promise<number>;
}

/** Live delivery is best effort like every hub frame: the centre refetches when it opens or reconnects. */
async function publishToUser(env: AppBindings, organizationId: string, userId: string, frame: object) {
  try {
    const hub = env.ORG_HUB.get(env.ORG_HUB.idFromName(organizationId)) as unknown as UserHubRpc;
    await hub.publishToUser(userId, frame);
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
  run: dispatch,
};
