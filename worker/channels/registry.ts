// Which adapter serves each channel type, and the one way to hand an outbound message to its channel.
import type { Db } from '../db/client';
import type { Channel, ChannelType } from '../db/schema';
import type { AppBindings } from '../env';
import { ConflictError } from '../lib/errors';
import type { ChannelAdapter, DeliveryResult, OutboundCheck, OutboundEnvelope } from './adapter';
import { decryptCredentials } from './channels';
import { emailAdapter } from './email/adapter';
import { facebookAdapter, instagramAdapter, whatsappAdapter } from './meta/adapters';
import { tiktokAdapter } from './tiktok/adapter';
import { unbuiltAdapter } from './unbuilt';
import { websiteChatAdapter } from './website-chat/adapter';

/** Each adapter is typed by its own credentials; the registry hands them out by channel type. */
const erase = <C>(adapter: ChannelAdapter<C>) => adapter as unknown as ChannelAdapter<unknown>;

const adapters: Record<ChannelType, ChannelAdapter<unknown>> = {
  WEBSITE_CHAT: erase(websiteChatAdapter),
  EMAIL: erase(emailAdapter),
  FACEBOOK: erase(facebookAdapter),
  INSTAGRAM: erase(instagramAdapter),
  WHATSAPP: erase(whatsappAdapter),
  TELEGRAM: unbuiltAdapter('TELEGRAM'),
  TIKTOK: erase(tiktokAdapter),
};

export function channelAdapter(type: ChannelType): ChannelAdapter<unknown> {
  return adapters[type];
}

/**
 * Hands an outbound message to its channel. Internal notes are team-only: handing one over is a bug, so it
 * throws. Anything else that goes wrong (credentials missing or invalid, the adapter throwing) is a FAILED
 * result with the reason.
 */
export async function deliver(
  env: AppBindings,
  db: Db,
  channel: Channel,
  message: OutboundEnvelope,
): Promise<DeliveryResult> {
  if (message.isNote) throw new Error(`Internal note ${message.id} must never be delivered to a channel`);
  const adapter = channelAdapter(channel.type);
  const parsed = adapter.credentials.safeParse(await decryptCredentials(env, channel));
  if (!parsed.success) {
    return { status: 'FAILED', detail: `Not sent: the ${channel.name} channel's credentials are incomplete` };
  }
  try {
    return await adapter.send(message, { env, db, channel, credentials: parsed.data });
  } catch (error) {
    return { status: 'FAILED', detail: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Refuses (409, with the channel's reason) a message the channel cannot take now — e.g. outside a messaging
 * window — before anything is stored or charged.
 */
export async function assertChannelTakes(
  env: AppBindings,
  db: Db,
  channel: Channel,
  check: OutboundCheck,
): Promise<void> {
  const reason = await channelAdapter(channel.type).checkOutbound?.(check, { env, db, channel });
  if (reason) throw new ConflictError(reason);
}
