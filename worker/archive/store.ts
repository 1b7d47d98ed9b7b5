// The archive's object format: one R2 object per conversation, JSON lines, one message per line in seq order,
// each line the message's D1 row as stored (snake_case columns) plus its delivery events. Reading an archived
// message therefore presents it exactly like a live one (conversations/inbox.ts).
import { env } from 'cloudflare:workers';

export type ArchivedValue = string | number | null;

/** A message_events row as stored in D1. */
export interface ArchivedEvent {
  id: string;
  type: string;
  detail: string | null;
  created_at: number;
}

/** A messages row as stored in D1, with its events. */
export interface ArchivedMessage extends Record<string, ArchivedValue | ArchivedEvent[]> {
  id: string;
  conversation_id: string;
  seq: number;
  updated_at: number;
  events: ArchivedEvent[];
}

/** Where a conversation's archive lives; "v1" names this line format. */
export function archiveKey(organizationId: string, conversationId: string): string {
  return `archive/v1/${organizationId}/${conversationId}.jsonl`;
}

/**
 * Where archives are stored: the media bucket, under archive/ (one R2 binding keeps the local runtime's per-test
 * storage isolation working; see docs/capacity.md). For callers not handed the Worker's env (the inbox reads).
 */
export function archiveBucket(): R2Bucket {
  return env.MEDIA;
}

export function serializeArchive(messages: ArchivedMessage[]): string {
  return messages.map((m) => JSON.stringify(m)).join('\n') + (messages.length ? '\n' : '');
}

export function parseArchive(text: string): ArchivedMessage[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as ArchivedMessage);
}

/** The archived messages of a conversation in seq order, or [] when it has no archive object. */
export async function readArchive(bucket: R2Bucket, key: string): Promise<ArchivedMessage[]> {
  const object = await bucket.get(key);
  if (!object) return [];
  return parseArchive(await object.text());
}

/**
 * Merges an existing archive with newer copies (rows D1 holds again: reprojected after an update, or added after
 * a reopening): the newer copy of a message wins, events are the union of both by id, the result is in seq order.
 */
export function mergeArchive(existing: ArchivedMessage[], newer: ArchivedMessage[]): ArchivedMessage[] {
  const byId = new Map(existing.map((m) => [m.id, m]));
  for (const message of newer) {
    const old = byId.get(message.id);
    const events = new Map((old?.events ?? []).map((e) => [e.id, e]));
    for (const event of message.events) events.set(event.id, event);
    byId.set(message.id, {
      ...message,
      events: [...events.values()].sort((a, b) => a.created_at - b.created_at),
    });
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}
