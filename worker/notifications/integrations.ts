// Organisation-wide notification integrations: a Slack incoming webhook, or a generic webhook whose body is
// signed with HMAC-SHA256 under a secret shown once. Each carries the events an admin chose (its row of the
// matrix). URLs must be public https hosts; the URL and secret are encrypted at rest and masked in the API.
import { and, eq } from 'drizzle-orm';
import { createDb, type Db } from '../db/client';
import { integrationDeliveries, notificationIntegrations } from '../db/schema';
import type { AppBindings } from '../env';
import type { JobOf } from '../jobs/types';
import { randomBytes, toBase64Url } from '../lib/encoding';
import { NotFoundError, ValidationError } from '../lib/errors';
import { nonPublicHostReason } from '../lib/public-host';
import { decryptJson, encryptJson, maskSecret } from '../lib/secrets';
import type { NotificationEvent } from './preferences';

export type IntegrationType = 'SLACK' | 'WEBHOOK';
/** What an integration may carry: every event but MENTION, which is news for the mentioned member alone. */
export const INTEGRATION_EVENTS = [
  'NEW_CONVERSATION',
  'NEW_MESSAGE',
  'ASSIGNED',
  'STATUS_CHANGED',
  'NEEDS_HUMAN',
] as const satisfies readonly NotificationEvent[];
/** A SENDING claim older than this is assumed dead and taken over. */
const DELIVERY_LEASE_MS = 2 * 60_000;
const POST_TIMEOUT_MS = 10_000;

interface IntegrationSecrets {
  url: string;
  secret?: string;
}

type Row = typeof notificationIntegrations.$inferSelect;

export interface IntegrationInput {
  type: IntegrationType;
  name: string;
  url: string;
  events: NotificationEvent[];
  enabled?: boolean;
}

/** The integration's URL is called by the Worker: https and a public host only. */
export function checkIntegrationUrl(raw: string, type: IntegrationType): URL {
  const url = new URL(raw);
  if (url.protocol !== 'https:') throw ValidationError.field('url', 'The URL must use https');
  const reason = nonPublicHostReason(url);
  if (reason) throw ValidationError.field('url', `URL refused: ${reason}`);
  if (type === 'SLACK' && !url.pathname.startsWith('/services/')) {
    throw ValidationError.field('url', 'A Slack incoming webhook URL looks like https://hooks.slack.com/services/…');
  }
  return url;
}

function maskUrl(raw: string): string {
  const url = new URL(raw);
  // The path and query of a webhook URL are its credential; the host tells the admin where it points.
  return `${url.origin}/${maskSecret(url.pathname + url.search)}`;
}

async function toApi(env: AppBindings, row: Row) {
  const secrets = await decryptJson<IntegrationSecrets>(env.ENCRYPTION_KEY, row.config);
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    url: maskUrl(secrets.url),
    secret: secrets.secret ? maskSecret(secrets.secret) : null,
    events: row.events,
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function listIntegrations(env: AppBindings, db: Db, organizationId: string) {
  const rows = await db
    .select()
    .from(notificationIntegrations)
    .where(eq(notificationIntegrations.organizationId, organizationId))
    .orderBy(notificationIntegrations.createdAt);
  return Promise.all(rows.map((row) => toApi(env, row)));
}

/** Creates an integration; a webhook's signing secret is in this answer only, never again. */
export async function createIntegration(env: AppBindings, db: Db, organizationId: string, input: IntegrationInput) {
  checkIntegrationUrl(input.url, input.type);
  const secret = input.type === 'WEBHOOK' ? `whsec_${toBase64Url(randomBytes(32))}` : undefined;
  const [row] = await db
    .insert(notificationIntegrations)
    .values({
      organizationId,
      type: input.type,
      name: input.name,
      config: await encryptJson(env.ENCRYPTION_KEY, { url: input.url, secret } satisfies IntegrationSecrets),
      events: [...new Set(input.events)],
      enabled: input.enabled ?? true,
    })
    .returning();
  return { ...(await toApi(env, row!)), ...(secret ? { secret } : {}) };
}

export interface IntegrationChange {
  name?: string;
  url?: string;
  events?: NotificationEvent[];
  enabled?: boolean;
}

export async function updateIntegration(
  env: AppBindings,
  db: Db,
  organizationId: string,
  id: string,
  change: IntegrationChange,
) {
  const [row] = await db
    .select()
    .from(notificationIntegrations)
    .where(and(eq(notificationIntegrations.id, id), eq(notificationIntegrations.organizationId, organizationId)));
  if (!row) throw new NotFoundError('Integration not found');
  let config = row.config;
  if (change.url !== undefined) {
    checkIntegrationUrl(change.url, row.type);
    const secrets = await decryptJson<IntegrationSecrets>(env.ENCRYPTION_KEY, row.config);
    config = await encryptJson(env.ENCRYPTION_KEY, { ...secrets, url: change.url });
  }
  const [updated] = await db
    .update(notificationIntegrations)
    .set({
      config,
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.events !== undefined ? { events: [...new Set(change.events)] } : {}),
      ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
    })
    .where(eq(notificationIntegrations.id, id))
    .returning();
  return toApi(env, updated!);
}

export async function deleteIntegration(db: Db, organizationId: string, id: string) {
  const removed = await db
    .delete(notificationIntegrations)
    .where(and(eq(notificationIntegrations.id, id), eq(notificationIntegrations.organizationId, organizationId)))
    .returning({ id: notificationIntegrations.id });
  if (!removed.length) throw new NotFoundError('Integration not found');
}

/** The enabled integrations that carry this event. */
export type IntegrationMessage = JobOf<'notification.integration'>['message'];

function appOrigin(env: AppBindings): string {
  return (env.APP_ORIGIN ?? 'http://localhost:8787').replace(/\/$/, '');
}

/** What the generic webhook receives (also the bytes it signs). */
export function webhookBody(env: AppBindings, eventId: string, organizationId: string, message: IntegrationMessage) {
  return JSON.stringify({
    id: eventId,
    event: message.event,
    organizationId,
    conversationId: message.conversationId,
    title: message.title,
    body: message.body,
    url: `${appOrigin(env)}/conversations/${message.conversationId}`,
    occurredAt: message.occurredAt,
  });
}

/** Slack's incoming webhook payload: mrkdwn text with a link to the conversation. */
export function slackBody(env: AppBindings, message: IntegrationMessage) {
  const escapeSlack = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const link = `${appOrigin(env)}/conversations/${message.conversationId}`;
  const lines = [
    `*${escapeSlack(message.title)}*`,
    message.body ? escapeSlack(message.body) : null,
    `<${link}|Open the conversation>`,
  ];
  return JSON.stringify({ text: lines.filter(Boolean).join('\n') });
}

/** Hex HMAC-SHA256 of the exact body under the webhook's secret: `X-HelpStack-Signature: sha256=<hex>`. */
export async function signBody(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function claim(db: Db, integrationId: string, eventId: string, now: number): Promise<boolean> {
  const taken = await db.$client
    .prepare(
      `INSERT INTO integration_deliveries (integration_id, event_id, status, claimed_at) VALUES (?, ?, 'SENDING', ?)
       ON CONFLICT (integration_id, event_id) DO UPDATE SET claimed_at = excluded.claimed_at
       WHERE integration_deliveries.status = 'SENDING' AND integration_deliveries.claimed_at < ?
       RETURNING status`,
    )
    .bind(integrationId, eventId, now, now - DELIVERY_LEASE_MS)
    .first();
  return taken !== null;
}

/** notification.integration: posts one event to one integration, once; throws so the queue retries a failure. */
export async function onNotificationIntegration(env: AppBindings, job: JobOf<'notification.integration'>) {
  const db = createDb(env.DB);
  const [row] = await db
    .select()
    .from(notificationIntegrations)
    .where(
      and(
        eq(notificationIntegrations.id, job.integrationId),
        eq(notificationIntegrations.organizationId, job.organizationId),
      ),
    );
  if (!row?.enabled) return;
  if (!(await claim(db, row.id, job.eventId, Date.now()))) return;
  const release = () =>
    db
      .delete(integrationDeliveries)
      .where(
        and(
          eq(integrationDeliveries.integrationId, row.id),
          eq(integrationDeliveries.eventId, job.eventId),
          eq(integrationDeliveries.status, 'SENDING'),
        ),
      );
  try {
    const secrets = await decryptJson<IntegrationSecrets>(env.ENCRYPTION_KEY, row.config);
    // Checked again on every use: the rule may have tightened since the URL was saved.
    checkIntegrationUrl(secrets.url, row.type);
    const body =
      row.type === 'SLACK'
        ? slackBody(env, job.message)
        : webhookBody(env, job.eventId, row.organizationId, job.message);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'HelpStack-Notifications',
    };
    if (row.type === 'WEBHOOK' && secrets.secret) {
      headers['x-helpstack-event'] = job.message.event;
      headers['x-helpstack-delivery'] = job.eventId;
      headers['x-helpstack-signature'] = `sha256=${await signBody(secrets.secret, body)}`;
    }
    const res = await fetch(secrets.url, {
      method: 'POST',
      headers,
      body,
      // A redirect could lead to a private host the check never saw.
      redirect: 'manual',
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (res.status < 200 || res.status >= 300) throw new Error(`${row.type} ${row.name} answered ${res.status}`);
  } catch (error) {
    await release();
    throw error;
  }
  await db
    .update(integrationDeliveries)
    .set({ status: 'SENT' })
    .where(and(eq(integrationDeliveries.integrationId, row.id), eq(integrationDeliveries.eventId, job.eventId)));
}
