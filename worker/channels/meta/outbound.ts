// Sending to Messenger, Instagram and WhatsApp through the Graph API, and the messaging-window rule that
// decides whether (and with which tag) a message may go out. The same rule answers the pre-send check, so a
// reply that would be refused is refused before it is stored or charged; `send` enforces it again.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { contacts, conversations, metaTemplateSends } from '../../db/schema';
import type { AppBindings } from '../../env';
import type { CheckContext, DeliveryResult, OutboundCheck, OutboundEnvelope } from '../adapter';
import { graphRequest } from './graph';
import { lastInboundAt, type MetaChannelType, windowDecision } from './window';

/** The prefix of the client id the template route gives a template message; `send` finds the template by it. */
export const TEMPLATE_ID_PREFIX = 'wa-template:';

const LIMITS: Record<MetaChannelType, { name: string; maxText: number }> = {
  FACEBOOK: { name: 'Messenger', maxText: 2000 },
  INSTAGRAM: { name: 'Instagram', maxText: 1000 },
  WHATSAPP: { name: 'WhatsApp', maxText: 4096 },
};

export interface MetaAccount {
  /** The page id, Instagram account id or WhatsApp phone number id that sends. */
  id: string;
  token: string;
}

async function recipientOf(db: Db, organizationId: string, conversationId: string): Promise<string | null> {
  const [row] = await db
    .select({ externalId: contacts.externalId })
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .where(and(eq(conversations.organizationId, organizationId), eq(conversations.id, conversationId)))
    .limit(1);
  return row?.externalId ?? null;
}

async function templateOf(db: Db, out: OutboundEnvelope) {
  if (!out.externalId?.startsWith(TEMPLATE_ID_PREFIX)) return null;
  const [row] = await db
    .select()
    .from(metaTemplateSends)
    .where(
      and(eq(metaTemplateSends.organizationId, out.organizationId), eq(metaTemplateSends.externalId, out.externalId)),
    )
    .limit(1);
  return row ?? null;
}

/** The pre-send check every Meta adapter answers: null, or why the message may not go out now. */
export async function checkMetaOutbound(
  type: MetaChannelType,
  check: OutboundCheck,
  ctx: CheckContext,
): Promise<string | null> {
  const last = await lastInboundAt(ctx.db, check.organizationId, check.conversationId);
  const decision = windowDecision(type, last, (ctx.now ?? new Date()).getTime(), check);
  return decision.allowed ? null : decision.reason;
}

export async function sendMeta(
  type: MetaChannelType,
  out: OutboundEnvelope,
  ctx: { env: AppBindings; db: Db },
  account: MetaAccount,
): Promise<DeliveryResult> {
  const { name, maxText } = LIMITS[type];
  if (out.attachments?.length) {
    return {
      status: 'FAILED',
      detail: `Not sent: HelpStack cannot send attachments to ${name} yet; send the text alone`,
    };
  }
  const template = type === 'WHATSAPP' ? await templateOf(ctx.db, out) : null;
  if (!template && out.content.length > maxText) {
    return { status: 'FAILED', detail: `Not sent: ${name} messages may be at most ${maxText} characters` };
  }
  const recipient = await recipientOf(ctx.db, out.organizationId, out.conversationId);
  if (!recipient) return { status: 'FAILED', detail: 'Not sent: the conversation has no contact to send to' };
  const last = await lastInboundAt(ctx.db, out.organizationId, out.conversationId);
  const decision = windowDecision(type, last, Date.now(), { senderType: out.senderType, template: !!template });
  if (!decision.allowed) return { status: 'FAILED', detail: decision.reason };

  let body: Record<string, unknown>;
  if (type === 'WHATSAPP') {
    body = template
      ? {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: recipient,
          type: 'template',
          template: {
            name: template.name,
            language: { code: template.language },
            ...(template.parameters.length
              ? {
                  components: [
                    { type: 'body', parameters: template.parameters.map((t) => ({ type: 'text', text: t })) },
                  ],
                }
              : {}),
          },
        }
      : {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: recipient,
          type: 'text',
          text: { body: out.content, preview_url: false },
        };
  } else {
    body = {
      recipient: { id: recipient },
      messaging_type: decision.tag ? 'MESSAGE_TAG' : 'RESPONSE',
      ...(decision.tag ? { tag: decision.tag } : {}),
      message: { text: out.content },
    };
  }
  const result = await graphRequest<{ message_id?: unknown; messages?: { id?: unknown }[] }>(ctx.env, {
    method: 'POST',
    path: `${encodeURIComponent(account.id)}/messages`,
    token: account.token,
    body,
  });
  if (!result.ok) return { status: 'FAILED', detail: `Not sent: ${result.reason}` };
  const id = type === 'WHATSAPP' ? result.data.messages?.[0]?.id : result.data.message_id;
  if (typeof id !== 'string' || !id) {
    return { status: 'FAILED', detail: `Not sent: ${name} accepted the request but named no message id` };
  }
  return { status: 'SENT', externalId: id, detail: decision.tag ? `Sent with the ${decision.tag} tag` : undefined };
}
