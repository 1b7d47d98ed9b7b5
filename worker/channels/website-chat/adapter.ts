// The website chat channel: the widget's messages come in over its socket or HTTP fallback, and replies reach
// the visitor through the conversation actor, which pushes each message to the visitor's sockets as it stores it.
import { z } from 'zod';
import type { ChannelAdapter, InboundEvent } from '../adapter';

/** A visitor's message as the widget sends it (socket frame or POST /api/widget/message). */
export const widgetMessage = z.object({
  visitorId: z.string().trim().min(1).max(100),
  clientMessageId: z.string().trim().min(1).max(100),
  content: z.string().max(10_000).default(''),
  attachments: z.array(z.string().min(1).max(100)).max(10).default([]),
  name: z.string().trim().max(200).nullish(),
  email: z.string().trim().max(320).nullish(),
});

export const websiteChatAdapter: ChannelAdapter<Record<string, never>> = {
  type: 'WEBSITE_CHAT',
  credentials: z.strictObject({}),
  capabilities: {},
  parse(payload, channel): InboundEvent[] {
    const result = widgetMessage.safeParse(payload);
    if (!result.success) return [];
    const { visitorId, clientMessageId, content, attachments, name, email } = result.data;
    if (!content.trim() && !attachments.length) return [];
    return [
      {
        kind: 'message',
        message: {
          organizationId: channel.organizationId,
          channelId: channel.id,
          externalContactId: visitorId,
          externalMessageId: clientMessageId,
          content: content.trim(),
          attachments,
          contact: name || email ? { name: name ?? null, email: email ?? null } : undefined,
        },
      },
    ];
  },
  async send() {
    return { status: 'DELIVERED', detail: 'shown in the chat widget' };
  },
};
