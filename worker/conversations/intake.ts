// Intake: the contact and the conversation an inbound message belongs to, found or created in D1, and the
// media it carries described. Pure D1 work: it never calls an actor, so the actor itself can use it.
import { and, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { InboundMessage } from '../channels/adapter';
import { loadChannel } from '../channels/channels';
import type { Db } from '../db/client';
import { type Channel, type Contact, type Conversation, contacts, conversations, media } from '../db/schema';
import type { AppBindings } from '../env';
import { ValidationError } from '../lib/errors';
import { publishToHub } from './live';
import type { AttachmentInfo, NewMessage } from './log';

/** Finds or creates the contact (unique per channel and external id), keeping what we knew if the channel sends less. */
export async function upsertContact(
  db: Db,
  channel: Pick<Channel, 'id' | 'organizationId'>,
  externalId: string,
  details: InboundMessage['contact'] = {},
): Promise<Contact> {
  const [contact] = await upsertContactQuery(db, channel, externalId, details);
  return contact!;
}

/**
 * upsertContact and the contact's OPEN or PENDING conversation (activeConversation) in one D1 round trip: the
 * lookup runs after the upsert in the same batch and finds the contact by its unique key.
 */
async function upsertContactWithActive(
  db: Db,
  channel: Pick<Channel, 'id' | 'organizationId'>,
  externalId: string,
  details: InboundMessage['contact'] = {},
): Promise<{ contact: Contact; active: Conversation | null }> {
  const [[contact], [active]] = await db.batch([
    upsertContactQuery(db, channel, externalId, details),
    db
      .select()
      .from(conversations)
      .where(
        and(
          eq(conversations.organizationId, channel.organizationId),
          sql`${conversations.contactId} = (SELECT ${contacts.id} FROM ${contacts} WHERE ${contacts.channelId} = ${channel.id} AND ${contacts.externalId} = ${externalId})`,
          inArray(conversations.status, ['OPEN', 'PENDING']),
        ),
      )
      .orderBy(desc(conversations.lastMessageAt))
      .limit(1),
  ]);
  return { contact: contact!, active: active ?? null };
}

function upsertContactQuery(
  db: Db,
  channel: Pick<Channel, 'id' | 'organizationId'>,
  externalId: string,
  details: InboundMessage['contact'] = {},
) {
  const now = new Date();
  return db
    .insert(contacts)
    .values({
      organizationId: channel.organizationId,
      channelId: channel.id,
      externalId,
      name: details.name ?? null,
      email: details.email ?? null,
      phone: details.phone ?? null,
      language: details.language ?? null,
      lastSeenAt: now,
    })
    .onConflictDoUpdate({
      target: [contacts.channelId, contacts.externalId],
      set: {
        name: sql`coalesce(excluded.name, ${contacts.name})`,
        email: sql`coalesce(excluded.email, ${contacts.email})`,
        phone: sql`coalesce(excluded.phone, ${contacts.phone})`,
        language: sql`coalesce(excluded.language, ${contacts.language})`,
        lastSeenAt: now,
        updatedAt: now,
      },
    })
    .returning();
}

/** The contact's OPEN or PENDING conversation, if any (newest first). */
export async function activeConversation(db: Db, contact: Pick<Contact, 'id' | 'organizationId'>) {
  const [row] = await db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.organizationId, contact.organizationId),
        eq(conversations.contactId, contact.id),
        inArray(conversations.status, ['OPEN', 'PENDING']),
      ),
    )
    .orderBy(desc(conversations.lastMessageAt))
    .limit(1);
  return row ?? null;
}

/**
 * A returning contact rejoins their OPEN/PENDING conversation; otherwise a new one starts under the
 * contact's reserved next id. Two first messages racing both aim at that id, so only one row is created.
 */
export async function openConversation(
  env: AppBindings,
  db: Db,
  contact: Contact,
  fields: {
    subject?: string | null;
    language?: string | null;
    at?: Date;
    fresh?: boolean;
    /** The contact's active conversation as the caller just read it with the contact (saves reading it again). */
    active?: Conversation | null;
    /** false: the caller announces a created conversation to the dashboards itself (the actor, with its first message). */
    announce?: boolean;
  } = {},
): Promise<{ conversation: Conversation; created: boolean }> {
  let current = contact;
  for (let attempt = 0; attempt < 3; attempt++) {
    // `fresh`: the channel knows this starts a new thread, even while another one is open.
    const active = fields.fresh
      ? null
      : attempt === 0 && fields.active !== undefined
        ? fields.active
        : await activeConversation(db, current);
    if (active) return { conversation: active, created: false };
    const id = current.nextConversationId;
    // The row and the contact's next reserved id in one round trip; the id moves on only from this one.
    const [inserted] = await db.batch([
      db
        .insert(conversations)
        .values({
          id,
          organizationId: current.organizationId,
          channelId: current.channelId,
          contactId: current.id,
          language: fields.language ?? current.language ?? null,
          subject: fields.subject ?? null,
          lastMessageAt: fields.at ?? new Date(),
        })
        .onConflictDoNothing()
        .returning(),
      db
        .update(contacts)
        .set({ nextConversationId: crypto.randomUUID() })
        .where(and(eq(contacts.id, current.id), eq(contacts.nextConversationId, id))),
    ]);
    if (inserted[0]) {
      if (fields.announce === false) return { conversation: inserted[0], created: true };
      await publishToHub(env, current.organizationId, {
        type: 'conversation.created',
        conversationId: id,
        conversation: inserted[0],
      });
      return { conversation: inserted[0], created: true };
    }
    const [fresh] = await db.select().from(contacts).where(eq(contacts.id, current.id));
    current = fresh!;
  }
  throw new Error('Could not open a conversation for the contact');
}

/**
 * Resolves attachments given as media ids or as storage paths (what /api/media/upload returns as `path`) to the
 * organisation's own files, in the order given; anything else is a 400 naming it.
 */
export async function describeAttachments(
  db: Db,
  organizationId: string,
  refs: string[] = [],
): Promise<AttachmentInfo[]> {
  if (!refs.length) return [];
  const rows = await db
    .select({
      id: media.id,
      storageKey: media.storageKey,
      fileName: media.fileName,
      contentType: media.contentType,
      size: media.size,
    })
    .from(media)
    .where(and(eq(media.organizationId, organizationId), or(inArray(media.id, refs), inArray(media.storageKey, refs))));
  const find = (ref: string) => rows.find((row) => row.id === ref || row.storageKey === ref);
  const missing = refs.filter((ref) => !find(ref));
  if (missing.length) throw ValidationError.field('attachments', `Unknown attachment: ${missing.join(', ')}`);
  return refs.map((ref) => {
    const { storageKey: _key, ...file } = find(ref)!;
    return file;
  });
}

/** Ties media not yet in a conversation to this one (the thread's file list and access rules use it). */
export async function claimAttachments(db: Db, organizationId: string, conversationId: string, ids: string[]) {
  if (!ids.length) return;
  await db
    .update(media)
    .set({ conversationId })
    .where(and(eq(media.organizationId, organizationId), inArray(media.id, ids), isNull(media.conversationId)));
}

/** The contact's OPEN/PENDING conversation the channel pointed at, if it really is theirs on this channel. */
async function hintedConversation(db: Db, contact: Contact, conversationId: string) {
  const [row] = await db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.id, conversationId),
        eq(conversations.organizationId, contact.organizationId),
        eq(conversations.channelId, contact.channelId),
        eq(conversations.contactId, contact.id),
        inArray(conversations.status, ['OPEN', 'PENDING']),
      ),
    )
    .limit(1);
  return row ?? null;
}

/**
 * The conversation an inbound message goes to, and the message as its actor will store it: the one the
 * channel threads it into (an email reply) when that is the contact's own open conversation, a new one when
 * the channel says it starts a thread, else the contact's open conversation or a new one.
 */
/**
 * A website chat whose pre-chat form is REQUIRED opens a conversation only for a visitor who left an email, with
 * the message or before it (identify). The widget blocks its composer until then; this is the same rule for every
 * caller that skips the widget (the HTTP route, the socket), checked before anything is written.
 */
async function assertPreChatGiven(db: Db, channel: Channel, inbound: InboundMessage): Promise<void> {
  if (channel.type !== 'WEBSITE_CHAT' || channel.settings.preChatForm !== 'REQUIRED' || inbound.contact?.email) return;
  const [known] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.channelId, channel.id), eq(contacts.externalId, inbound.externalContactId)))
    .limit(1);
  if (known?.email || (known && !inbound.startsConversation && (await activeConversation(db, known)))) return;
  throw ValidationError.field('email', 'Leave your email before the first message');
}

export async function intake(
  env: AppBindings,
  db: Db,
  inbound: InboundMessage,
  options: {
    announce?: boolean;
    /** The message's channel as the caller has just read it (read again when it is not that channel). */
    channel?: Channel | null;
  } = {},
): Promise<{ conversation: Conversation; created: boolean; draft: NewMessage }> {
  const known = options.channel;
  const channel =
    known && known.id === inbound.channelId && known.organizationId === inbound.organizationId
      ? known
      : await loadChannel(db, inbound.organizationId, inbound.channelId);
  await assertPreChatGiven(db, channel, inbound);
  const files = await describeAttachments(db, inbound.organizationId, inbound.attachments);
  const fresh = inbound.startsConversation === true;
  // The common case (no thread hint, not a new thread) reads the contact's open conversation with the upsert.
  const { contact, active } =
    inbound.conversationHint || fresh
      ? { contact: await upsertContact(db, channel, inbound.externalContactId, inbound.contact), active: undefined }
      : await upsertContactWithActive(db, channel, inbound.externalContactId, inbound.contact);
  const hinted = inbound.conversationHint ? await hintedConversation(db, contact, inbound.conversationHint) : null;
  const { conversation, created } = hinted
    ? { conversation: hinted, created: false }
    : await openConversation(env, db, contact, {
        language: inbound.contact?.language,
        subject: inbound.subject,
        at: inbound.receivedAt,
        fresh,
        active,
        announce: options.announce,
      });
  const attachments = files.map((file) => file.id);
  await claimAttachments(db, inbound.organizationId, conversation.id, attachments);
  const draft: NewMessage = {
    direction: 'INBOUND',
    senderType: 'CONTACT',
    senderId: contact.id,
    senderName: contact.name,
    content: inbound.content,
    attachments,
    files,
    externalId: inbound.externalMessageId ?? null,
    language: inbound.contact?.language ?? null,
    createdAt: inbound.receivedAt?.getTime(),
  };
  return { conversation, created, draft };
}
