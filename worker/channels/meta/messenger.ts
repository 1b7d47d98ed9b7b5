// The Messenger platform's webhook shape, shared by Facebook Pages (`object: "page"`) and Instagram
// (`object: "instagram"`): entries keyed by the page or account id, each with `messaging` events (messages,
// delivery and read receipts). Echoes of our own sends are ignored.
import type { InboundEvent, InboundMessage, RemoteMedia } from '../adapter';
import { arr, type Json, MAX_ID, obj, str, text, timestamp } from './payload';

const MEDIA_KINDS: Record<string, RemoteMedia['kind']> = {
  image: 'image',
  audio: 'audio',
  video: 'video',
  file: 'file',
  sticker: 'sticker',
};

/** The body's entries grouped by the account (page or Instagram account) they are addressed to. */
export function splitMessengerBody(body: unknown, object: 'page' | 'instagram'): Map<string, Json> {
  const root = obj(body);
  const byAccount = new Map<string, Json>();
  if (root?.object !== object) return byAccount;
  for (const entry of arr(root.entry)) {
    const id = str(obj(entry)?.id);
    if (!id) continue;
    const part = byAccount.get(id) ?? { object, entry: [] };
    (part.entry as unknown[]).push(entry);
    byAccount.set(id, part);
  }
  return byAccount;
}

function describeAttachment(attachment: Json): { content: string | null; media: RemoteMedia | null } {
  const type = str(attachment.type) ?? 'file';
  const payload = obj(attachment.payload) ?? {};
  const url = str(payload.url, 4096);
  if (type === 'location') {
    const coordinates = obj(payload.coordinates);
    const lat = coordinates?.lat;
    const long = coordinates?.long;
    return {
      content: typeof lat === 'number' && typeof long === 'number' ? `📍 ${lat}, ${long}` : '📍 Location',
      media: null,
    };
  }
  if (MEDIA_KINDS[type] && url) {
    const kind = payload.sticker_id !== undefined ? 'sticker' : MEDIA_KINDS[type]!;
    return { content: null, media: { source: 'url', ref: url, kind } };
  }
  const title = text(attachment.title) ?? text(payload.title);
  return { content: title ?? (url ? url : null), media: null };
}

export function parseMessengerBody(
  body: unknown,
  object: 'page' | 'instagram',
  channel: { id: string; organizationId: string },
): InboundEvent[] {
  const root = obj(body);
  if (root?.object !== object) return [];
  const events: InboundEvent[] = [];
  for (const rawEntry of arr(root.entry)) {
    const entry = obj(rawEntry);
    const accountId = str(entry?.id);
    if (!entry || !accountId) continue;
    for (const rawEvent of arr(entry.messaging)) {
      const event = obj(rawEvent);
      const sender = str(obj(event?.sender)?.id);
      if (!event || !sender) continue;
      const message = obj(event.message);
      if (message) {
        // Our own sends come back as echoes (sender = the page); they are already in the thread.
        if (message.is_echo === true || sender === accountId) continue;
        if (message.is_deleted === true || message.is_unsupported === true) continue;
        const mid = str(message.mid, MAX_ID);
        if (!mid) continue;
        const parts: string[] = [];
        const remoteMedia: RemoteMedia[] = [];
        const body = text(message.text);
        if (body) parts.push(body);
        for (const rawAttachment of arr(message.attachments)) {
          const attachment = obj(rawAttachment);
          if (!attachment) continue;
          const { content, media } = describeAttachment(attachment);
          if (content) parts.push(content);
          if (media) remoteMedia.push(media);
        }
        if (!parts.length && !remoteMedia.length) continue;
        const inbound: InboundMessage = {
          organizationId: channel.organizationId,
          channelId: channel.id,
          externalContactId: sender,
          externalMessageId: mid,
          content: parts.join('\n'),
          receivedAt: timestamp(event.timestamp, 'ms'),
        };
        if (remoteMedia.length) inbound.remoteMedia = remoteMedia;
        events.push({ kind: 'message', message: inbound });
        continue;
      }
      const delivery = obj(event.delivery);
      if (delivery) {
        for (const mid of arr(delivery.mids)) {
          const id = str(mid);
          if (id) events.push({ kind: 'status', externalMessageId: id, status: 'DELIVERED' });
        }
        const watermark = timestamp(delivery.watermark, 'ms');
        if (watermark) {
          events.push({
            kind: 'watermark',
            externalContactId: sender,
            status: 'DELIVERED',
            watermark: watermark.getTime(),
          });
        }
        continue;
      }
      const read = obj(event.read);
      if (read) {
        // Messenger names a watermark; Instagram names the message read.
        const mid = str(read.mid);
        if (mid) events.push({ kind: 'status', externalMessageId: mid, status: 'READ' });
        const watermark = timestamp(read.watermark, 'ms');
        if (watermark) {
          events.push({ kind: 'watermark', externalContactId: sender, status: 'READ', watermark: watermark.getTime() });
        }
      }
    }
  }
  return events;
}
