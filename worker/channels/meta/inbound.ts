// What the Meta webhook route does with a verified body: find the channel each entry is addressed to, hand
// each message to the pipeline through the adapter's parse (media copied into R2 first, the contact's name
// fetched once), apply delivery/read receipts, and remember which provider ids were taken so a replay days
// later creates nothing. Nothing here trusts the body beyond what the signature proved.
import { and, eq, inArray, lt } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { receiveInbound, receiveStatus } from '../../conversations/pipeline';
import { createDb, type Db } from '../../db/client';
import type { Channel } from '../../db/schema';
import { contacts, metaInboundBatches, metaInboundIds, metaWebhookHealth } from '../../db/schema';
import type { AppBindings } from '../../env';
import { enqueue, type Job, type JobOf, type QueuedMetaEvent } from '../../jobs/types';
import { storeFetchedMedia } from '../../media/media';
import type { InboundEvent, InboundMessage, RemoteMedia } from '../adapter';
import { decryptCredentials, loadChannel } from '../channels';
import { channelAdapter } from '../registry';
import { downloadMedia, graphRequest, MAX_MEDIA_BYTES } from './graph';
import { splitMessengerBody } from './messenger';
import type { Json } from './payload';
import { splitWhatsappBody } from './whatsapp-payload';
import type { MetaChannelType } from './window';

export const META_PROVIDERS = { facebook: 'FACEBOOK', instagram: 'INSTAGRAM', whatsapp: 'WHATSAPP' } as const;
export type MetaProvider = keyof typeof META_PROVIDERS;

/** A Meta channel as the webhook routing needs it (credentials decrypted once per cache load). */
export interface MetaChannel {
  channel: Channel;
  accountId: string;
  accessToken: string;
  /** The secret that must have signed a body for this channel: its own appSecret, else the installation's. */
  appSecret: string | null;
}

const ACCOUNT_FIELD: Record<MetaChannelType, string> = {
  FACEBOOK: 'pageId',
  INSTAGRAM: 'accountId',
  WHATSAPP: 'phoneNumberId',
};

// ── Channel index: account id → channel, per type, cached per isolate ───────────────────────────────────

const CACHE_TTL_MS = 30_000;
/** A miss (an unknown page, a new channel) reloads at most this often, so a flood of strangers costs little. */
const MISS_RELOAD_MS = 250;

interface ChannelIndex {
  loadedAt: number;
  byAccount: Map<string, MetaChannel>;
  secrets: string[];
}
const indexes = new Map<MetaChannelType, Promise<ChannelIndex>>();

async function loadIndex(env: AppBindings, type: MetaChannelType): Promise<ChannelIndex> {
  const rows = await env.DB.prepare(
    'SELECT id, organization_id, name, credentials_encrypted FROM channels WHERE type = ? AND is_active = 1 ORDER BY created_at, id',
  )
    .bind(type)
    .all<Record<string, unknown>>();
  const byAccount = new Map<string, MetaChannel>();
  const secrets = new Set<string>();
  if (env.FACEBOOK_APP_SECRET) secrets.add(env.FACEBOOK_APP_SECRET);
  for (const row of rows.results) {
    const channel = {
      id: String(row.id),
      organizationId: String(row.organization_id),
      type,
      name: String(row.name),
      credentialsEncrypted: String(row.credentials_encrypted),
    } as Channel;
    let credentials: Record<string, unknown>;
    try {
      credentials = await decryptCredentials(env, channel);
    } catch (error) {
      console.error(`Meta webhook: channel ${channel.id}'s credentials cannot be read:`, error);
      continue;
    }
    const accountId =
      typeof credentials[ACCOUNT_FIELD[type]] === 'string' ? String(credentials[ACCOUNT_FIELD[type]]) : '';
    const accessToken = typeof credentials.accessToken === 'string' ? credentials.accessToken : '';
    if (!accountId) continue;
    const appSecret = typeof credentials.appSecret === 'string' && credentials.appSecret ? credentials.appSecret : null;
    if (appSecret) secrets.add(appSecret);
    // The first organisation to connect an account keeps it: a later channel naming the same id gets nothing.
    if (!byAccount.has(accountId)) {
      byAccount.set(accountId, {
        channel,
        accountId,
        accessToken,
        appSecret: appSecret ?? env.FACEBOOK_APP_SECRET ?? null,
      });
    }
  }
  return { loadedAt: Date.now(), byAccount, secrets: [...secrets] };
}

async function channelIndex(env: AppBindings, type: MetaChannelType, fresh = false): Promise<ChannelIndex> {
  const cached = indexes.get(type);
  if (cached) {
    const index = await cached.catch(() => null);
    const age = index ? Date.now() - index.loadedAt : Number.POSITIVE_INFINITY;
    if (age < (fresh ? MISS_RELOAD_MS : CACHE_TTL_MS)) return index!;
  }
  const loading = loadIndex(env, type);
  indexes.set(type, loading);
  return loading;
}

/** The secrets a body for this type may be signed with: the installation's and the channels' own. */
export async function candidateSecrets(env: AppBindings, type: MetaChannelType, fresh = false): Promise<string[]> {
  return (await channelIndex(env, type, fresh)).secrets;
}

/** The channels the parts of a body are addressed to; an account no channel knows is reported, not fatal. */
export async function routeBody(
  env: AppBindings,
  type: MetaChannelType,
  body: unknown,
  signedWith: string,
): Promise<{ routed: { target: MetaChannel; part: Json }[]; unknown: string[] }> {
  const parts =
    type === 'WHATSAPP'
      ? splitWhatsappBody(body)
      : splitMessengerBody(body, type === 'FACEBOOK' ? 'page' : 'instagram');
  let index = await channelIndex(env, type);
  if ([...parts.keys()].some((id) => !index.byAccount.has(id))) index = await channelIndex(env, type, true);
  const routed: { target: MetaChannel; part: Json }[] = [];
  const unknown: string[] = [];
  for (const [accountId, part] of parts) {
    const target = index.byAccount.get(accountId);
    // A body signed with one channel's own secret speaks only for channels that use that secret.
    if (!target || target.appSecret !== signedWith) unknown.push(accountId);
    else routed.push({ target, part });
  }
  return { routed, unknown };
}

// ── Health: last event per channel, last signature failure per endpoint ──────────────────────────────────

const lastFailureWrite = new Map<string, number>();

export async function noteSignatureFailure(env: AppBindings, type: MetaChannelType, reason: string): Promise<void> {
  const now = Date.now();
  // A flood of forged bodies writes at most once a second per endpoint.
  if (now - (lastFailureWrite.get(type) ?? 0) < 1000) return;
  lastFailureWrite.set(type, now);
  await createDb(env.DB)
    .insert(metaWebhookHealth)
    .values({ key: `type:${type}`, lastSignatureFailureAt: new Date(now), lastSignatureFailure: reason })
    .onConflictDoUpdate({
      target: metaWebhookHealth.key,
      set: { lastSignatureFailureAt: new Date(now), lastSignatureFailure: reason },
    });
}

export async function webhookHealth(db: Db, type: MetaChannelType, channelId: string) {
  const rows = await db
    .select()
    .from(metaWebhookHealth)
    .where(inArray(metaWebhookHealth.key, [`channel:${channelId}`, `type:${type}`]));
  const channel = rows.find((r) => r.key === `channel:${channelId}`);
  const endpoint = rows.find((r) => r.key === `type:${type}`);
  return {
    lastEventAt: channel?.lastEventAt ?? null,
    lastSignatureFailureAt: endpoint?.lastSignatureFailureAt ?? null,
    lastSignatureFailure: endpoint?.lastSignatureFailure ?? null,
  };
}

// ── Processing one channel's part of a body ──────────────────────────────────────────────────────────────

const ID_CHUNK = 90;

async function takenIds(db: Db, channelId: string, ids: string[]): Promise<Set<string>> {
  const taken = new Set<string>();
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const rows = await db
      .select({ id: metaInboundIds.externalMessageId })
      .from(metaInboundIds)
      .where(
        and(
          eq(metaInboundIds.channelId, channelId),
          inArray(metaInboundIds.externalMessageId, ids.slice(i, i + ID_CHUNK)),
        ),
      );
    for (const row of rows) taken.add(row.id);
  }
  return taken;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'video/mp4': 'mp4',
  'application/pdf': 'pdf',
};

/** Copies one provider-held file into R2; a file that cannot be fetched becomes a note in the text. */
async function ingestMedia(
  env: AppBindings,
  db: Db,
  target: MetaChannel,
  message: InboundMessage,
  remote: RemoteMedia,
): Promise<{ id: string } | { note: string }> {
  try {
    let url = remote.ref;
    let contentType = remote.contentType ?? null;
    if (remote.source === 'graph-media') {
      // WhatsApp: the media id resolves to a short-lived URL that needs the token too.
      const info = await graphRequest<{ url?: unknown; mime_type?: unknown; file_size?: unknown }>(env, {
        method: 'GET',
        path: encodeURIComponent(remote.ref),
        token: target.accessToken,
      });
      if (!info.ok) throw new Error(info.reason);
      if (typeof info.data.url !== 'string') throw new Error('Graph API named no download URL');
      if (typeof info.data.file_size === 'number' && info.data.file_size > MAX_MEDIA_BYTES) {
        throw new Error(`larger than ${MAX_MEDIA_BYTES / 1024 / 1024} MB`);
      }
      url = info.data.url;
      if (typeof info.data.mime_type === 'string') contentType = info.data.mime_type;
    }
    const file = await downloadMedia(env, url, remote.source === 'graph-media' ? target.accessToken : null);
    const type = (contentType ?? file.contentType ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
    const fileName = remote.fileName ?? file.fileName ?? `${remote.kind}.${EXTENSIONS[type] ?? 'bin'}`;
    const row = await storeFetchedMedia(env, db, {
      organizationId: message.organizationId,
      channelId: message.channelId,
      externalContactId: message.externalContactId,
      bytes: file.bytes,
      contentType: type,
      fileName,
    });
    return { id: row.id };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`Meta webhook: ${remote.kind} of message ${message.externalMessageId} not copied:`, reason);
    return { note: `[${remote.kind} could not be downloaded: ${reason}]` };
  }
}

/** Messenger and Instagram name only a sender id: fetch the person's name once, when the contact is new. */
async function fetchProfile(
  env: AppBindings,
  db: Db,
  target: MetaChannel,
  message: InboundMessage,
): Promise<InboundMessage['contact']> {
  if (message.contact?.name || target.channel.type === 'WHATSAPP') return message.contact;
  const [known] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.channelId, target.channel.id), eq(contacts.externalId, message.externalContactId)))
    .limit(1);
  if (known) return message.contact;
  const instagram = target.channel.type === 'INSTAGRAM';
  const profile = await graphRequest<Record<string, unknown>>(env, {
    method: 'GET',
    path: encodeURIComponent(message.externalContactId),
    token: target.accessToken,
    query: { fields: instagram ? 'name,username' : 'first_name,last_name' },
  });
  if (!profile.ok) {
    console.error(`Meta webhook: profile of ${message.externalContactId} not fetched: ${profile.reason}`);
    return message.contact;
  }
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : null);
  const name = instagram
    ? [text(profile.data.name), text(profile.data.username) && `@${text(profile.data.username)}`]
        .filter(Boolean)
        .join(' ')
    : [text(profile.data.first_name), text(profile.data.last_name)].filter(Boolean).join(' ');
  return { ...message.contact, name: name || null };
}

async function acceptMessage(env: AppBindings, db: Db, target: MetaChannel, message: InboundMessage): Promise<void> {
  const attachments: string[] = [];
  const notes: string[] = [];
  for (const remote of message.remoteMedia ?? []) {
    const result = await ingestMedia(env, db, target, message, remote);
    if ('id' in result) attachments.push(result.id);
    else notes.push(result.note);
  }
  const contact = await fetchProfile(env, db, target, message);
  const { remoteMedia: _, ...rest } = message;
  await receiveInbound(env, {
    ...rest,
    contact,
    content: [message.content, ...notes].filter(Boolean).join('\n'),
    attachments: [...(message.attachments ?? []), ...attachments],
  });
}

/** Receipts for messages we sent; one whose send is not recorded yet is retried from the queue. */
async function acceptStatus(
  env: AppBindings,
  organizationId: string,
  event: Extract<InboundEvent, { kind: 'status' }>,
): Promise<void> {
  const found = await receiveStatus(env, {
    organizationId,
    externalMessageId: event.externalMessageId,
    status: event.status,
    detail: event.detail ?? null,
  });
  if (!found) {
    await enqueue(
      env.JOBS,
      {
        kind: 'meta.receipt',
        organizationId,
        externalMessageId: event.externalMessageId,
        status: event.status,
        detail: event.detail ?? null,
        attempt: 1,
      },
      { delaySeconds: RECEIPT_RETRY_SECONDS },
    );
  }
}

const RECEIPT_RETRY_SECONDS = 5;
const RECEIPT_ATTEMPTS = 6;

/** A receipt that arrived before its message's send was recorded: tried again with growing delays. */
export async function onMetaReceipt(env: AppBindings, job: JobOf<'meta.receipt'>): Promise<void> {
  const found = await receiveStatus(env, job);
  if (found || job.attempt >= RECEIPT_ATTEMPTS) return;
  await enqueue(
    env.JOBS,
    { ...job, attempt: job.attempt + 1 },
    { delaySeconds: RECEIPT_RETRY_SECONDS * 2 ** job.attempt },
  );
}

/** A Messenger watermark: every message we sent this contact up to that time reached the state. */
async function acceptWatermark(
  env: AppBindings,
  channel: Channel,
  event: Extract<InboundEvent, { kind: 'watermark' }>,
): Promise<void> {
  const below = event.status === 'READ' ? ['SENT', 'DELIVERED'] : ['SENT'];
  const rows = await env.DB.prepare(
    `SELECT m.provider_message_id AS id FROM messages m
       JOIN conversations c ON c.id = m.conversation_id
       JOIN contacts k ON k.id = c.contact_id
     WHERE c.organization_id = ?1 AND k.channel_id = ?2 AND k.external_id = ?3
       AND m.direction = 'OUTBOUND' AND m.provider_message_id IS NOT NULL
       AND m.created_at <= ?4 AND m.delivery_status IN (${below.map((s) => `'${s}'`).join(',')})
     LIMIT 200`,
  )
    .bind(channel.organizationId, channel.id, event.externalContactId, event.watermark)
    .all<{ id: string }>();
  for (const row of rows.results) {
    await receiveStatus(env, {
      organizationId: channel.organizationId,
      externalMessageId: row.id,
      status: event.status,
    });
  }
}

/** Events per batch row and job: a queue message stays small, and a slow batch holds up few others. */
const EVENTS_PER_JOB = 5;
/** A batch's job should have run by then; only after it does the sweep send it again. */
const SWEEP_BATCHES_AFTER_MS = 2 * 60_000;
const EVENT_NOTE_EVERY_MS = 5_000;
const lastEventNoted = new Map<string, number>();

function toQueued(event: InboundEvent): QueuedMetaEvent {
  if (event.kind !== 'message') return event;
  const { receivedAt, ...message } = event.message;
  return { kind: 'message', message: { ...message, ...(receivedAt ? { receivedAt: receivedAt.getTime() } : {}) } };
}

/**
 * The acknowledgement path: the verified part's events are written durably in ONE D1 batch (the provider ids
 * they bring, and meta_inbound_batches rows holding the events), then a `meta.inbound` job per row goes to the
 * queue; the 200 does not wait for the pipeline. A row whose job is lost is re-enqueued by the minute cron. A
 * provider id already taken is dropped here: a replay days later, even after its conversation closed, creates
 * nothing. Two identical deliveries racing each other both pass this check; the conversation actor's dedupe
 * keeps one message.
 */
export async function acceptChannelPart(
  env: AppBindings,
  target: MetaChannel,
  part: Json,
  now = Date.now(),
): Promise<{ messages: number }> {
  const db = createDb(env.DB);
  const { channel } = target;
  const events = channelAdapter(channel.type).parse(part, channel);
  const ids = [
    ...new Set(
      events.flatMap((e) => (e.kind === 'message' && e.message.externalMessageId ? [e.message.externalMessageId] : [])),
    ),
  ];
  const taken = ids.length ? await takenIds(db, channel.id, ids) : new Set<string>();
  const seen = new Set<string>();
  const fresh = events.filter((event) => {
    if (event.kind !== 'message') return true;
    const id = event.message.externalMessageId!;
    if (taken.has(id) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  const at = new Date(now);
  const batches = [];
  for (let i = 0; i < fresh.length; i += EVENTS_PER_JOB) {
    batches.push({
      id: crypto.randomUUID(),
      organizationId: channel.organizationId,
      channelId: channel.id,
      events: fresh.slice(i, i + EVENTS_PER_JOB).map(toQueued),
      retryAt: new Date(now + SWEEP_BATCHES_AFTER_MS),
      createdAt: at,
    });
  }
  const newIds = [...seen];
  const writes: BatchItem<'sqlite'>[] = [];
  // "Last event received" is for people: once every few seconds per channel is enough, and keeps a hot row cool.
  if (now - (lastEventNoted.get(channel.id) ?? 0) >= EVENT_NOTE_EVERY_MS) {
    lastEventNoted.set(channel.id, now);
    writes.push(
      db
        .insert(metaWebhookHealth)
        .values({ key: `channel:${channel.id}`, lastEventAt: at })
        .onConflictDoUpdate({ target: metaWebhookHealth.key, set: { lastEventAt: at } }),
    );
  }
  // Four bound parameters a provider id, six a batch row: chunks keep each insert under D1's 100.
  for (let i = 0; i < newIds.length; i += 24) {
    writes.push(
      db
        .insert(metaInboundIds)
        .values(
          newIds.slice(i, i + 24).map((externalMessageId) => ({
            channelId: channel.id,
            externalMessageId,
            organizationId: channel.organizationId,
            receivedAt: at,
          })),
        )
        .onConflictDoNothing(),
    );
  }
  for (let i = 0; i < batches.length; i += 16)
    writes.push(db.insert(metaInboundBatches).values(batches.slice(i, i + 16)));
  if (writes.length) await db.batch(writes as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
  if (batches.length) {
    try {
      await env.JOBS.sendBatch(
        batches.map((row) => ({
          body: { kind: 'meta.inbound', organizationId: row.organizationId, batchId: row.id } satisfies Job,
          contentType: 'json' as const,
        })),
      );
    } catch (error) {
      // Durable already: the minute cron re-enqueues rows whose job never ran.
      console.error(`Meta webhook: ${batches.length} accepted batch(es) not enqueued; the sweep will:`, error);
    }
  }
  return { messages: seen.size };
}

/** The channel of a batch, with its credentials, or null when it was deleted or deactivated meanwhile. */
async function jobTarget(env: AppBindings, organizationId: string, channelId: string): Promise<MetaChannel | null> {
  const channel = await loadChannel(createDb(env.DB), organizationId, channelId).catch(() => null);
  if (!channel?.isActive) return null;
  const credentials = await decryptCredentials(env, channel);
  const accountId = credentials[ACCOUNT_FIELD[channel.type as MetaChannelType]];
  return {
    channel,
    accountId: typeof accountId === 'string' ? accountId : '',
    accessToken: typeof credentials.accessToken === 'string' ? credentials.accessToken : '',
    appSecret: null,
  };
}

/**
 * The `meta.inbound` job: hands a batch's messages to the pipeline (media copied into R2 first, the contact's
 * name fetched once), applies its receipts, then deletes the batch. Different contacts run side by side, each
 * contact's messages in order. A repeated job repeats nothing: the batch is gone, or the pipeline dedupes on
 * the provider message id.
 */
export async function onMetaInbound(env: AppBindings, job: JobOf<'meta.inbound'>): Promise<void> {
  const db = createDb(env.DB);
  const [batch] = await db
    .select()
    .from(metaInboundBatches)
    .where(and(eq(metaInboundBatches.organizationId, job.organizationId), eq(metaInboundBatches.id, job.batchId)))
    .limit(1);
  if (!batch) return;
  const events = batch.events as QueuedMetaEvent[];
  const target = await jobTarget(env, batch.organizationId, batch.channelId);
  if (target) {
    const byContact = new Map<string, InboundMessage[]>();
    for (const event of events) {
      if (event.kind !== 'message') continue;
      const { receivedAt, ...rest } = event.message;
      const message: InboundMessage = { ...rest, ...(receivedAt ? { receivedAt: new Date(receivedAt) } : {}) };
      byContact.set(message.externalContactId, [...(byContact.get(message.externalContactId) ?? []), message]);
    }
    await Promise.all(
      [...byContact.values()].map(async (queue) => {
        for (const message of queue) await acceptMessage(env, db, target, message);
      }),
    );
    for (const event of events) {
      if (event.kind === 'status') await acceptStatus(env, batch.organizationId, event);
      else if (event.kind === 'watermark') await acceptWatermark(env, target.channel, event);
    }
  } else {
    console.warn(`Meta inbound batch ${batch.id}: channel ${batch.channelId} is gone or inactive; events dropped`);
  }
  await db.delete(metaInboundBatches).where(eq(metaInboundBatches.id, batch.id));
}

/** Re-enqueues accepted batches whose job never finished (a lost queue message, a worker restart). */
export async function sweepMetaInboundBatches(env: AppBindings, now = Date.now()): Promise<number> {
  const db = createDb(env.DB);
  const stale = await db
    .select({
      id: metaInboundBatches.id,
      organizationId: metaInboundBatches.organizationId,
      sweeps: metaInboundBatches.sweeps,
    })
    .from(metaInboundBatches)
    .where(lt(metaInboundBatches.retryAt, new Date(now)))
    .orderBy(metaInboundBatches.retryAt)
    .limit(100);
  for (const row of stale) {
    // Each sweep waits longer before the next: 2, 4, 8 … minutes, at most an hour.
    const wait = Math.min(60, 2 ** (row.sweeps + 1)) * 60_000;
    await db
      .update(metaInboundBatches)
      .set({ sweeps: row.sweeps + 1, retryAt: new Date(now + wait) })
      .where(eq(metaInboundBatches.id, row.id));
    await enqueue(env.JOBS, { kind: 'meta.inbound', organizationId: row.organizationId, batchId: row.id });
  }
  return stale.length;
}

/**
 * The minute cron's Meta upkeep: re-enqueue accepted batches whose job never finished, and forget provider ids
 * older than Meta's retry horizon (it retries for up to 7 days).
 */
export async function pruneMetaInboundIds(env: AppBindings, now = Date.now()): Promise<void> {
  await sweepMetaInboundBatches(env, now);
  await createDb(env.DB)
    .delete(metaInboundIds)
    .where(lt(metaInboundIds.receivedAt, new Date(now - 14 * 24 * 3_600_000)));
}
