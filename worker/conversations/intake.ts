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

/** The contact's OPEN or PENDING conversation, newest first, found by the contact's channel and external id. */
function activeOfContactQuery(db: Db, channel: Pick<Channel, 'id' | 'organizationId'>, externalId: string) {
  return db
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
    .limit(1);
}

/**
 * upsertContact, and the contact's OPEN or PENDING conversation, opened under the contact's reserved id when it has
 * none, in one D1 round trip (one batch, one transaction): the common case of an inbound message. Two first
 * messages racing both aim at the reserved id, so only one row is created and both find it. When the reserved id
 * is taken by a conversation that is not open (nothing opened and nothing found), openConversation takes over.
 */
async function upsertContactAndOpen(
  env: AppBindings,
  db: Db,
  channel: Pick<Channel, 'id' | 'organizationId'>,
  externalId: string,
  details: InboundMessage['contact'] = {},
  fields: { language?: string | null; subject?: string | null; at?: Date; announce?: boolean } = {},
): Promise<{ contact: Contact; conversation: Conversation; created: boolean }> {
  const now = Date.now();
  const contactIs = sql`c.channel_id = ${channel.id} AND c.external_id = ${externalId}`;
  const [[contact], inserted, , [active]] = await db.batch([
    upsertContactQuery(db, channel, externalId, details),
    // Every column, in the table's order (insert … select names them all).
    db
      .insert(conversations)
      .select(
        sql`SELECT c.next_conversation_id, c.organization_id, c.channel_id, c.id, 'OPEN', 'NORMAL', NULL,
          coalesce(${fields.language ?? null}, c.language), ${fields.subject ?? null}, NULL, 0, 0,
          ${fields.at?.getTime() ?? now}, NULL, NULL, ${now}, ${now}
          FROM ${contacts} c WHERE ${contactIs} AND NOT EXISTS (SELECT 1 FROM ${conversations} v
            WHERE v.organization_id = c.organization_id AND v.contact_id = c.id AND v.status IN ('OPEN', 'PENDING'))`,
      )
      .onConflictDoNothing()
      .returning(),
    // The reserved id, once taken, is replaced for the contact's next conversation.
    db
      .update(contacts)
      .set({ nextConversationId: crypto.randomUUID() })
      .where(
        and(
          eq(contacts.channelId, channel.id),
          eq(contacts.externalId, externalId),
          sql`EXISTS (SELECT 1 FROM ${conversations} v WHERE v.id = ${contacts.nextConversationId})`,
        ),
      ),
    activeOfContactQuery(db, channel, externalId),
  ]);
  const opened = inserted[0];
  if (opened) {
    await announceCreated(env, opened, fields.announce);
    return { contact: contact!, conversation: opened, created: true };
  }
  if (active) return { contact: contact!, conversation: active, created: false };
  const [current] = await db.select().from(contacts).where(eq(contacts.id, contact!.id));
  return { contact: current!, ...(await openConversation(env, db, current!, { ...fields, active: null })) };
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
      await announceCreated(env, inserted[0], fields.announce);
      return { conversation: inserted[0], created: true };
    }
    const [fresh] = await db.select().from(contacts).where(eq(contacts.id, current.id));
    current = fresh!;
  }
  throw new Error('Could not open a conversation for the contact');
}

/** Tells the dashboards of a conversation just created, unless the caller does it itself (`announce: false`). */
async function announceCreated(env: AppBindings, conversation: Conversation, announce?: boolean): Promise<void> {
  if (announce === false) return;
  await publishToHub(env, conversation.organizationId, {
    type: 'conversation.created',
    conversationId: conversation.id,
    conversation,
  });
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
  const opening = {
    language: inbound.contact?.language,
    subject: inbound.subject,
    at: inbound.receivedAt,
    announce: options.announce,
  };
  let contact: Contact;
  let conversation: Conversation;
  let created: boolean;
  if (inbound.conversationHint || fresh) {
    contact = await upsertContact(db, channel, inbound.externalContactId, inbound.contact);
    const hinted = inbound.conversationHint ? await hintedConversation(db, contact, inbound.conversationHint) : null;
    ({ conversation, created } = hinted
      ? { conversation: hinted, created: false }
      : await openConversation(env, db, contact, { ...opening, fresh }));
  } else {
    // The common case (no thread hint, not a new thread): the contact, and its open conversation or a new one,
    // in one round trip.
    ({ contact, conversation, created } = await upsertContactAndOpen(
      env,
      db,
      channel,
      inbound.externalContactId,
      inbound.contact,
      opening,
    ));
  }
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
