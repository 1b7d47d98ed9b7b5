// The three Meta channel adapters: Messenger (Facebook Pages), Instagram and WhatsApp. Parsing is pure
// (messenger.ts, whatsapp-payload.ts); sending goes through the Graph API (outbound.ts); signatures are checked
// by the webhook route over the raw bytes before any adapter sees the body (signature.ts).
import type { ZodType } from 'zod';
import type { ChannelAdapter } from '../adapter';
import {
  credentialSchema,
  type FacebookCredentials,
  type InstagramCredentials,
  type WhatsappCredentials,
} from '../credentials';
import { parseMessengerBody } from './messenger';
import { checkMetaOutbound, sendMeta } from './outbound';
import { parseWhatsappBody } from './whatsapp-payload';

export const facebookAdapter: ChannelAdapter<FacebookCredentials> = {
  type: 'FACEBOOK',
  credentials: credentialSchema('FACEBOOK') as unknown as ZodType<FacebookCredentials>,
  capabilities: { replyWindowHours: 24 },
  parse: (payload, channel) => parseMessengerBody(payload, 'page', channel),
  checkOutbound: (check, ctx) => checkMetaOutbound('FACEBOOK', check, ctx),
  send: (out, ctx) =>
    sendMeta('FACEBOOK', out, ctx, { id: ctx.credentials.pageId, token: ctx.credentials.accessToken }),
};

export const instagramAdapter: ChannelAdapter<InstagramCredentials> = {
  type: 'INSTAGRAM',
  credentials: credentialSchema('INSTAGRAM') as unknown as ZodType<InstagramCredentials>,
  capabilities: { replyWindowHours: 24 },
  parse: (payload, channel) => parseMessengerBody(payload, 'instagram', channel),
  checkOutbound: (check, ctx) => checkMetaOutbound('INSTAGRAM', check, ctx),
  send: (out, ctx) =>
    sendMeta('INSTAGRAM', out, ctx, { id: ctx.credentials.accountId, token: ctx.credentials.accessToken }),
};

export const whatsappAdapter: ChannelAdapter<WhatsappCredentials> = {
  type: 'WHATSAPP',
  credentials: credentialSchema('WHATSAPP') as unknown as ZodType<WhatsappCredentials>,
  capabilities: { replyWindowHours: 24, templates: true },
  parse: (payload, channel) => parseWhatsappBody(payload, channel),
  checkOutbound: (check, ctx) => checkMetaOutbound('WHATSAPP', check, ctx),
  send: (out, ctx) =>
    sendMeta('WHATSAPP', out, ctx, { id: ctx.credentials.phoneNumberId, token: ctx.credentials.accessToken }),
};
