// Files attached to conversations: bytes in R2 under the organisation's prefix, metadata in D1. Agents upload
// through the dashboard; visitors through the widget, with a smaller size cap and fewer types.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { contacts, conversations, type Media, media, messages } from '../db/schema';
import type { AppBindings } from '../env';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '../lib/errors';

const MB = 1024 * 1024;

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface UploadPolicy {
  maxBytes: number;
  contentTypes: readonly string[];
}

export const AGENT_UPLOADS: UploadPolicy = {
  maxBytes: 10 * MB,
  contentTypes: [
    ...IMAGE_TYPES,
    'application/pdf',
    'text/plain',
    'text/csv',
    DOCX,
    XLSX,
    'audio/mpeg',
    'audio/ogg',
    'audio/mp4',
    'video/mp4',
    'video/ogg',
  ],
};

export const VISITOR_UPLOADS: UploadPolicy = {
  maxBytes: 5 * MB,
  contentTypes: [...IMAGE_TYPES, 'application/pdf', 'text/plain'],
};

// Browsers leave the type empty for extensions they do not know; the extension then decides.
const TYPE_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  docx: DOCX,
  xlsx: XLSX,
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  mp4: 'video/mp4',
};

function contentTypeOf(file: File): string {
  const declared = file.type.split(';')[0]!.trim().toLowerCase();
  if (declared && declared !== 'application/octet-stream') return declared;
  const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
  return TYPE_BY_EXTENSION[extension] ?? (declared || 'application/octet-stream');
}

/** A file name safe in an object key and a header: no path, no control or quote characters. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[^\w.\- ]+/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 120);
  return cleaned || 'file';
}

/** Rejects an upload before reading it when the declared request size already exceeds the cap. */
export function assertRequestSize(contentLength: string | undefined, policy: UploadPolicy): void {
  // Multipart framing adds a little to the file itself.
  if (contentLength && Number(contentLength) > policy.maxBytes + 64 * 1024) {
    throw new PayloadTooLargeError(`Files may be at most ${policy.maxBytes / MB} MB`);
  }
}

/** Who uploads a file: a member in the dashboard, or a widget visitor through one website chat channel. */
export type Uploader = { type: 'MEMBER'; userId: string } | { type: 'VISITOR'; visitorId: string; channelId: string };

function uploaderColumns(uploader: Uploader) {
  return uploader.type === 'MEMBER'
    ? { uploaderType: 'MEMBER' as const, uploadedById: uploader.userId, uploadedByVisitorId: null, channelId: null }
    : {
        uploaderType: 'VISITOR' as const,
        uploadedById: null,
        uploadedByVisitorId: uploader.visitorId,
        channelId: uploader.channelId,
      };
}

export async function storeMedia(
  env: AppBindings,
  db: Db,
  input: {
    organizationId: string;
    file: File;
    policy: UploadPolicy;
    uploader: Uploader;
    conversationId?: string | null;
  },
): Promise<Media> {
  const { file, policy, organizationId } = input;
  if (file.size > policy.maxBytes) throw new PayloadTooLargeError(`Files may be at most ${policy.maxBytes / MB} MB`);
  if (file.size === 0) throw ValidationError.field('file', 'The file is empty');
  const contentType = contentTypeOf(file);
  if (!policy.contentTypes.includes(contentType)) {
    throw ValidationError.field('file', `Files of type ${contentType} cannot be uploaded`);
  }
  if (input.conversationId) {
    const [conversation] = await db
      .select({ channelId: conversations.channelId })
      .from(conversations)
      .where(and(eq(conversations.organizationId, organizationId), eq(conversations.id, input.conversationId)))
      .limit(1);
    if (!conversation) throw ValidationError.field('conversationId', 'Unknown conversation');
  }
  const fileName = safeFileName(file.name);
  const id = crypto.randomUUID();
  const storageKey = `org/${organizationId}/${id}/${fileName}`;
  await env.MEDIA.put(storageKey, file.stream(), {
    httpMetadata: { contentType },
    customMetadata: { organizationId, mediaId: id },
  });
  try {
    const [row] = await db
      .insert(media)
      .values({
        id,
        organizationId,
        conversationId: input.conversationId ?? null,
        storageKey,
        fileName,
        contentType,
        size: file.size,
        ...uploaderColumns(input.uploader),
      })
      .returning();
    return row!;
  } catch (error) {
    // An object without its row would be unreachable and never cleaned up.
    await env.MEDIA.delete(storageKey);
    throw error;
  }
}

/**
 * Server-side ingestion of a file a channel provider holds (a WhatsApp media URL lives minutes): the bytes the
 * caller fetched go to R2 at once, recorded as the customer's upload through that channel. The bytes are
 * already size-checked by the caller; an empty file is refused.
 */
export async function storeFetchedMedia(
  env: AppBindings,
  db: Db,
  input: {
    organizationId: string;
    channelId: string;
    /** The customer's id on the channel (a Meta sender id). */
    externalContactId: string;
    bytes: ArrayBuffer;
    contentType: string;
    fileName: string;
  },
): Promise<Media> {
  if (input.bytes.byteLength === 0) throw ValidationError.field('file', 'The file is empty');
  const fileName = safeFileName(input.fileName);
  const contentType = input.contentType.split(';')[0]!.trim().toLowerCase() || 'application/octet-stream';
  const id = crypto.randomUUID();
  const storageKey = `org/${input.organizationId}/${id}/${fileName}`;
  await env.MEDIA.put(storageKey, input.bytes, {
    httpMetadata: { contentType },
    customMetadata: { organizationId: input.organizationId, mediaId: id },
  });
  try {
    const [row] = await db
      .insert(media)
      .values({
        id,
        organizationId: input.organizationId,
        storageKey,
        fileName,
        contentType,
        size: input.bytes.byteLength,
        ...uploaderColumns({ type: 'VISITOR', visitorId: input.externalContactId, channelId: input.channelId }),
      })
      .returning();
    return row!;
  } catch (error) {
    await env.MEDIA.delete(storageKey);
    throw error;
  }
}

export function presentMedia(row: Media) {
  return {
    id: row.id,
    fileName: row.fileName,
    contentType: row.contentType,
    size: row.size,
    conversationId: row.conversationId,
    uploadedById: row.uploadedById,
    createdAt: row.createdAt,
    /** The storage path: a reply may name the file by it (`attachments`) as well as by its id. */
    path: row.storageKey,
    url: `/api/media/${row.id}/file`,
  };
}

export async function getMedia(db: Db, organizationId: string, id: string): Promise<Media> {
  const [row] = await db
    .select()
    .from(media)
    .where(and(eq(media.organizationId, organizationId), eq(media.id, id)))
    .limit(1);
  if (!row) throw new NotFoundError('Media');
  return row;
}

export async function deleteMedia(env: AppBindings, db: Db, organizationId: string, id: string): Promise<void> {
  const row = await getMedia(db, organizationId, id);
  await db.delete(media).where(and(eq(media.organizationId, organizationId), eq(media.id, row.id)));
  await env.MEDIA.delete(row.storageKey);
}

const INLINE_PREFIXES = ['image/', 'audio/', 'video/'];

/** The stored bytes as a download: never sniffed, never able to run script on our origin. */
export async function mediaResponse(env: AppBindings, row: Media): Promise<Response> {
  const object = await env.MEDIA.get(row.storageKey);
  if (!object) throw new NotFoundError('Media');
  const inline = INLINE_PREFIXES.some((prefix) => row.contentType.startsWith(prefix));
  return new Response(object.body, {
    headers: {
      'content-type': row.contentType,
      'content-length': String(object.size),
      'content-disposition': `${inline ? 'inline' : 'attachment'}; filename="${row.fileName}"; filename*=UTF-8''${encodeURIComponent(row.fileName)}`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, max-age=300',
    },
  });
}

/** The visitor of a website chat channel, as the widget names them. */
export interface VisitorRef {
  organizationId: string;
  channelId: string;
  visitorId: string;
}

/**
 * The ids among `mediaIds` this visitor may attach and read: files they uploaded themselves through this
 * channel, and files attached to messages they were shown in their own conversations on this channel (never a
 * note, never a draft that was not approved). Anything else, another visitor's upload or an agent's file
 * that was never sent to them, stays out of reach whatever its id.
 */
export async function visitorMediaIds(db: Db, visitor: VisitorRef, mediaIds: readonly string[]): Promise<Set<string>> {
  const ids = [...new Set(mediaIds)];
  if (!ids.length) return new Set();
  const own = await db
    .select({ id: media.id })
    .from(media)
    .where(
      and(
        eq(media.organizationId, visitor.organizationId),
        inArray(media.id, ids),
        eq(media.uploaderType, 'VISITOR'),
        eq(media.uploadedByVisitorId, visitor.visitorId),
        eq(media.channelId, visitor.channelId),
      ),
    );
  const allowed = new Set(own.map((row) => row.id));
  const rest = ids.filter((id) => !allowed.has(id));
  if (!rest.length) return allowed;
  const attached = sql<string>`json_each.value`;
  const shown = await db
    .selectDistinct({ id: attached })
    .from(messages)
    .innerJoin(sql`json_each(${messages.attachments})`, sql`1`)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .where(
      and(
        eq(contacts.organizationId, visitor.organizationId),
        eq(contacts.channelId, visitor.channelId),
        eq(contacts.externalId, visitor.visitorId),
        eq(messages.organizationId, visitor.organizationId),
        eq(messages.isNote, false),
        inArray(messages.approvalStatus, ['NONE', 'APPROVED']),
        inArray(attached, rest),
      ),
    );
  for (const row of shown) allowed.add(row.id);
  return allowed;
}

/** Refuses (400 on `attachments`) a visitor's message that names a file the visitor may not attach. */
export async function assertVisitorMayAttach(db: Db, visitor: VisitorRef, mediaIds: readonly string[]): Promise<void> {
  const allowed = await visitorMediaIds(db, visitor, mediaIds);
  const refused = [...new Set(mediaIds)].filter((id) => !allowed.has(id));
  if (refused.length) throw ValidationError.field('attachments', `Unknown attachment: ${refused.join(', ')}`);
}

/** Whether the visitor may read one file (the same rule as attaching it). */
export async function visitorMayRead(db: Db, visitor: VisitorRef, mediaId: string): Promise<boolean> {
  return (await visitorMediaIds(db, visitor, [mediaId])).has(mediaId);
}
