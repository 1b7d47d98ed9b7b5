// What the dashboard shows about a Meta channel and its conversations: the webhook URL and verify token to
// paste into Meta, the connection state (last event, last signature failure), and each conversation's window.
import { loadConversation } from '../../conversations/refs';
import type { Db } from '../../db/client';
import type { AppBindings } from '../../env';
import { ValidationError } from '../../lib/errors';
import { loadChannel } from '../channels';
import { webhookHealth } from './inbound';
import { lastInboundAt, type MetaChannelType, type WindowState, windowState } from './window';

const PATHS: Record<MetaChannelType, { path: string; tokenVariable: string }> = {
  FACEBOOK: { path: 'facebook', tokenVariable: 'FACEBOOK_VERIFY_TOKEN' },
  INSTAGRAM: { path: 'instagram', tokenVariable: 'INSTAGRAM_VERIFY_TOKEN' },
  WHATSAPP: { path: 'whatsapp', tokenVariable: 'WHATSAPP_VERIFY_TOKEN' },
};

export function isMetaType(type: string): type is MetaChannelType {
  return type in PATHS;
}

export async function metaConnection(
  env: AppBindings,
  db: Db,
  organizationId: string,
  channelId: string,
  origin: string,
) {
  const channel = await loadChannel(db, organizationId, channelId);
  if (!isMetaType(channel.type)) {
    throw ValidationError.field('channelId', 'Only Facebook, Instagram and WhatsApp channels have a Meta webhook');
  }
  const { path, tokenVariable } = PATHS[channel.type];
  const verifyToken = (env as unknown as Record<string, string | undefined>)[tokenVariable] ?? null;
  const base = env.APP_ORIGIN ? new URL(env.APP_ORIGIN).origin : origin;
  return {
    channelType: channel.type,
    webhookUrl: `${base}/api/webhooks/${path}`,
    verifyToken,
    verifyTokenVariable: tokenVariable,
    appSecretConfigured: Boolean(env.FACEBOOK_APP_SECRET),
    ...(await webhookHealth(db, channel.type, channel.id)),
  };
}

export type ConversationWindow = { applies: false } | ({ applies: true; channelId: string } & WindowState);

export async function conversationWindow(
  db: Db,
  organizationId: string,
  conversationId: string,
  now = Date.now(),
): Promise<ConversationWindow> {
  const conversation = await loadConversation(db, organizationId, conversationId);
  const channel = await loadChannel(db, organizationId, conversation.channelId);
  if (!isMetaType(channel.type)) return { applies: false };
  const last = await lastInboundAt(db, organizationId, conversation.id);
  return { applies: true, channelId: channel.id, ...windowState(channel.type, last, now) };
}
