// Email Workers (mail to the deployment's own domain, routed by Cloudflare Email Routing): the Worker's
// `email` handler finds the EMAIL channel whose address the mail was sent to and imports it. Mail over the
// size limit, or to an address no channel has, is refused with setReject and nothing is stored.
import { and, eq } from 'drizzle-orm';
import { createDb } from '../../db/client';
import { type Channel, channels } from '../../db/schema';
import type { AppBindings } from '../../env';
import { decryptCredentials } from '../channels';
import type { EmailCredentials } from '../credentials';
import { importEmail, maxMessageBytes } from './inbound';

/** "support+abc@shop.test" and "Support@Shop.test" both reach support@shop.test. */
function canonicalAddress(address: string): string {
  const [local = '', domain = ''] = address
    .trim()
    .toLowerCase()
    .split(/@(?=[^@]*$)/);
  return `${local.split('+')[0]}@${domain}`;
}

/**
 * The active EMAIL channel whose sending address (or login) is `to`. Credentials are encrypted, so each email
 * channel's are read; an installation with very many email channels would keep an address index instead.
 */
export async function channelForAddress(env: AppBindings, to: string): Promise<Channel | null> {
  const wanted = canonicalAddress(to);
  const db = createDb(env.DB);
  const candidates = await db
    .select()
    .from(channels)
    .where(and(eq(channels.type, 'EMAIL'), eq(channels.isActive, true)));
  for (const channel of candidates) {
    const credentials = await decryptCredentials<EmailCredentials>(env, channel).catch(() => null);
    if (!credentials) continue;
    const addresses = [credentials.from, credentials.username].filter(Boolean).map((a) => canonicalAddress(a));
    if (addresses.includes(wanted)) return channel;
  }
  return null;
}

/** The Worker's `email` export. */
export async function handleIncomingEmail(message: ForwardableEmailMessage, env: AppBindings): Promise<void> {
  const limit = maxMessageBytes(env);
  if (message.rawSize > limit) {
    message.setReject(`Message too large: the limit is ${limit} bytes`);
    return;
  }
  const channel = await channelForAddress(env, message.to);
  if (!channel) {
    message.setReject('Unknown recipient');
    return;
  }
  const raw = new Uint8Array(await new Response(message.raw).arrayBuffer());
  // rawSize is what the sender declared; the bytes are what counts.
  if (raw.byteLength > limit) {
    message.setReject(`Message too large: the limit is ${limit} bytes`);
    return;
  }
  const result = await importEmail(env, channel, raw);
  if (result.status === 'ignored') console.warn(`Inbound email to ${message.to} not imported: ${result.reason}`);
}
