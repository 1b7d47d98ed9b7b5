// The WhatsApp Cloud API's webhook shape (`object: "whatsapp_business_account"`): entries per business
// account, each with `changes` whose `value` names the phone number (`metadata.phone_number_id`) and carries
// `messages`, `contacts` (profile names) and `statuses` (sent, delivered, read, failed receipts).
import type { DeliveryStatus, InboundEvent, InboundMessage, RemoteMedia } from '../adapter';
import { arr, type Json, obj, str, text, timestamp } from './payload';

const OBJECT = 'whatsapp_business_account';

const STATUSES: Record<string, DeliveryStatus> = {
  sent: 'SENT',
  delivered: 'DELIVERED',
  read: 'READ',
  failed: 'FAILED',
};

const MEDIA_TYPES: Record<string, RemoteMedia['kind']> = {
  image: 'image',
  audio: 'audio',
  video: 'video',
  document: 'document',
  sticker: 'sticker',
};

/** The body's changes grouped by the phone number id they are addressed to. */
export function splitWhatsappBody(body: unknown): Map<string, Json> {
  const root = obj(body);
  const byNumber = new Map<string, Json>();
  if (root?.object !== OBJECT) return byNumber;
  for (const rawEntry of arr(root.entry)) {
    const entry = obj(rawEntry);
    if (!entry) continue;
    for (const change of arr(entry.changes)) {
      const id = str(obj(obj(obj(change)?.value)?.metadata)?.phone_number_id);
      if (!id) continue;
      const part = byNumber.get(id) ?? { object: OBJECT, entry: [] };
      (part.entry as unknown[]).push({ id: entry.id, changes: [change] });
      byNumber.set(id, part);
    }
  }
  return byNumber;
}

/** A status's errors as "131047 Re-engagement message: more than 24 hours have passed…". */
export function whatsappErrorDetail(errors: unknown): string | undefined {
  const parts = arr(errors).flatMap((raw) => {
    const error = obj(raw);
    if (!error) return [];
    const code = typeof error.code === 'number' || typeof error.code === 'string' ? String(error.code) : '';
    const title = text(error.title) ?? text(error.message) ?? '';
    const details =
      text(obj(error.error_data)?.details) ?? (error.message !== error.title ? text(error.message) : null);
    const head = [code, title].filter(Boolean).join(' ');
    return [details && details !== title ? `${head}: ${details}` : head];
  });
  return parts.length ? parts.join('; ').slice(0, 1000) : undefined;
}

function contentOf(message: Json): { content: string; media: RemoteMedia[] } {
  const type = str(message.type) ?? '';
  const media: RemoteMedia[] = [];
  const part = obj(message[type]);
  if (MEDIA_TYPES[type] && part) {
    const id = str(part.id);
    if (id) {
      media.push({
        source: 'graph-media',
        ref: id,
        kind: MEDIA_TYPES[type]!,
        contentType: str(part.mime_type, 200),
        fileName: str(part.filename, 300),
      });
    }
    return { content: text(part.caption) ?? '', media };
  }
  switch (type) {
    case 'text':
      return { content: text(part?.body) ?? '', media };
    case 'location': {
      const place = [text(part?.name), text(part?.address)].filter(Boolean).join(', ');
      const where = typeof part?.latitude === 'number' ? `${part.latitude}, ${part.longitude}` : '';
      return { content: `📍 ${[place, where].filter(Boolean).join(' ')}`.trim(), media };
    }
    case 'button':
      return { content: text(part?.text) ?? '', media };
    case 'interactive': {
      const reply = obj(part?.button_reply) ?? obj(part?.list_reply);
      return { content: text(reply?.title) ?? '', media };
    }
    case 'contacts': {
      const names = arr(message.contacts)
        .map((c) => text(obj(obj(c)?.name)?.formatted_name))
        .filter(Boolean);
      return { content: names.length ? `Shared contact: ${names.join(', ')}` : '', media };
    }
    default:
      return { content: '', media };
  }
}

export function parseWhatsappBody(body: unknown, channel: { id: string; organizationId: string }): InboundEvent[] {
  const root = obj(body);
  if (root?.object !== OBJECT) return [];
  const events: InboundEvent[] = [];
  for (const rawEntry of arr(root.entry)) {
    for (const rawChange of arr(obj(rawEntry)?.changes)) {
      const value = obj(obj(rawChange)?.value);
      if (!value) continue;
      const names = new Map<string, string>();
      for (const rawContact of arr(value.contacts)) {
        const contact = obj(rawContact);
        const waId = str(contact?.wa_id);
        const name = str(obj(contact?.profile)?.name, 200);
        if (waId && name) names.set(waId, name);
      }
      for (const rawMessage of arr(value.messages)) {
        const message = obj(rawMessage);
        const from = str(message?.from);
        const id = str(message?.id);
        if (!message || !from || !id) continue;
        const { content, media } = contentOf(message);
        if (!content && !media.length) continue;
        const inbound: InboundMessage = {
          organizationId: channel.organizationId,
          channelId: channel.id,
          externalContactId: from,
          externalMessageId: id,
          content,
          contact: { name: names.get(from) ?? null, phone: `+${from.replace(/^\+/, '')}` },
          receivedAt: timestamp(message.timestamp, 's'),
        };
        if (media.length) inbound.remoteMedia = media;
        events.push({ kind: 'message', message: inbound });
      }
      for (const rawStatus of arr(value.statuses)) {
        const status = obj(rawStatus);
        const id = str(status?.id);
        const mapped = STATUSES[str(status?.status) ?? ''];
        if (!status || !id || !mapped) continue;
        const detail = mapped === 'FAILED' ? whatsappErrorDetail(status.errors) : undefined;
        events.push({ kind: 'status', externalMessageId: id, status: mapped, ...(detail ? { detail } : {}) });
      }
    }
  }
  return events;
}
