// Helpers for Meta webhook tests: the fake Graph API served to a test file, channels with fresh account ids,
// signed deliveries posted to the Worker, and payloads in Meta's real shapes (Messenger, Instagram, WhatsApp).
import { env } from 'cloudflare:workers';
import { http, type RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { signMetaBody } from '../worker/channels/meta/signature';
import { createDb } from '../worker/db/client';
import { type ChannelType, channels } from '../worker/db/schema';
import { encryptJson } from '../worker/lib/secrets';
import { postRaw, signUpOwner } from './client';
import { FakeGraph } from './fake-graph';

/**
 * The fake Graph API at META_GRAPH_BASE_URL, with any `more` handlers beside it, answering for the tests of the
 * file that calls this at its top level; any other outside request fails. Failures a test queued do not outlive it.
 */
export function useFakeGraph(...more: RequestHandler[]): FakeGraph {
  const graph = new FakeGraph(env.META_GRAPH_BASE_URL!);
  const server = setupServer(
    http.all('https://graph.fake-meta.test/*', ({ request }) => graph.handle(request as unknown as Request)),
    ...more,
  );
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  afterEach(() => {
    graph.failures = [];
  });
  return graph;
}

let counter = 0;
/** A numeric id no other test uses (Meta ids are digit strings). */
export function metaId(): string {
  return `${Date.now()}${String(++counter).padStart(4, '0')}${Math.floor(Math.random() * 1000)}`;
}

export async function metaChannel(
  type: Extract<ChannelType, 'FACEBOOK' | 'INSTAGRAM' | 'WHATSAPP'>,
  extra: Record<string, string> = {},
) {
  const owner = await signUpOwner();
  const accountId = metaId();
  const token = `token-${accountId}`;
  const credentials =
    type === 'FACEBOOK'
      ? { pageId: accountId, accessToken: token, ...extra }
      : type === 'INSTAGRAM'
        ? { accountId, accessToken: token, ...extra }
        : { phoneNumberId: accountId, accessToken: token, businessAccountId: `waba-${accountId}`, ...extra };
  const [channel] = await createDb(env.DB)
    .insert(channels)
    .values({
      organizationId: owner.organization.id,
      type,
      name: `${type} test`,
      credentialsEncrypted: await encryptJson(env.ENCRYPTION_KEY, credentials),
    })
    .returning();
  return { ...owner, channel: channel!, accountId, token };
}

export async function postWebhook(
  provider: 'facebook' | 'instagram' | 'whatsapp',
  raw: string,
  options: { secret?: string; signature?: string | null } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature =
    options.signature === undefined
      ? await signMetaBody(options.secret ?? env.FACEBOOK_APP_SECRET!, raw)
      : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return postRaw(`/api/webhooks/${provider}`, raw, headers);
}

export function messengerMessage(sender: string, mid: string, text: string, at = Date.now(), extra: object = {}) {
  return { sender: { id: sender }, recipient: { id: 'page' }, timestamp: at, message: { mid, text, ...extra } };
}

export function messengerBody(object: 'page' | 'instagram', entries: { id: string; messaging: unknown[] }[]) {
  return { object, entry: entries.map((e) => ({ time: Date.now(), ...e })) };
}

export function whatsappBody(
  phoneNumberId: string,
  value: { messages?: unknown[]; statuses?: unknown[]; contacts?: unknown[] },
) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'waba',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

export function whatsappText(from: string, id: string, body: string, at = Date.now()) {
  return { from, id, timestamp: String(Math.floor(at / 1000)), type: 'text', text: { body } };
}

/** Rows of a query once `ready` says so (accepted webhook events reach the pipeline through the queue). */
export async function settled<T = Record<string, any>>(
  sql: string,
  params: unknown[],
  ready: (rows: T[]) => boolean,
  timeoutMs = 15_000,
): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = (
      await env.DB.prepare(sql)
        .bind(...params)
        .all<T>()
    ).results;
    if (ready(rows)) return rows;
    if (Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The queue has no `meta.inbound` job left to run for this channel (sent ones are gone from pending_jobs). */
export async function quiet(ms = 600): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
