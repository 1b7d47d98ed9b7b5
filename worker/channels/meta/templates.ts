// WhatsApp message templates: the channel's approved templates as Meta lists them, and sending one from the
// composer. A template is the only thing WhatsApp lets a business send outside the 24-hour window; it goes
// through the one outbound door (postOutbound) like every reply, and the adapter finds the template to send
// by the message's client id (TEMPLATE_ID_PREFIX + id) in meta_template_sends.
import { and, eq } from 'drizzle-orm';
import { debitTokens } from '../../billing/tokens';
import type { LogMessage } from '../../conversations/log';
import { postOutbound } from '../../conversations/pipeline';
import { loadConversation } from '../../conversations/refs';
import type { Db } from '../../db/client';
import { metaTemplateSends } from '../../db/schema';
import type { AppBindings } from '../../env';
import { ConflictError, UpstreamError, ValidationError } from '../../lib/errors';
import { decryptCredentials, loadChannel } from '../channels';
import type { WhatsappCredentials } from '../credentials';
import { graphRequest } from './graph';
import { TEMPLATE_ID_PREFIX } from './outbound';

export interface WhatsappTemplate {
  name: string;
  language: string;
  category: string | null;
  /** The body text with {{1}}, {{2}} … placeholders. */
  body: string;
  /** How many {{n}} parameters the body takes. */
  parameterCount: number;
}

interface GraphTemplate {
  name?: unknown;
  language?: unknown;
  status?: unknown;
  category?: unknown;
  components?: { type?: unknown; text?: unknown }[];
}

function parameterCount(body: string): number {
  let max = 0;
  for (const match of body.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) max = Math.max(max, Number(match[1]));
  return max;
}

/** The approved templates of a WhatsApp channel's business account. */
export async function listTemplates(
  env: AppBindings,
  db: Db,
  organizationId: string,
  channelId: string,
): Promise<WhatsappTemplate[]> {
  const channel = await loadChannel(db, organizationId, channelId);
  if (channel.type !== 'WHATSAPP') throw ValidationError.field('channelId', 'Only WhatsApp channels have templates');
  const credentials = await decryptCredentials<WhatsappCredentials>(env, channel);
  if (!credentials.businessAccountId) {
    throw new ConflictError('Add the WhatsApp Business Account id to this channel to list its templates');
  }
  const result = await graphRequest<{ data?: GraphTemplate[] }>(env, {
    method: 'GET',
    path: `${encodeURIComponent(credentials.businessAccountId)}/message_templates`,
    token: credentials.accessToken,
    query: { fields: 'name,language,status,category,components', limit: '200' },
  });
  if (!result.ok) throw new UpstreamError(`WhatsApp templates could not be listed: ${result.reason}`);
  return (result.data.data ?? []).flatMap((t) => {
    if (t.status !== 'APPROVED' || typeof t.name !== 'string' || typeof t.language !== 'string') return [];
    const bodyComponent = (t.components ?? []).find((c) => c.type === 'BODY');
    const body = typeof bodyComponent?.text === 'string' ? bodyComponent.text : '';
    return [
      {
        name: t.name,
        language: t.language,
        category: typeof t.category === 'string' ? t.category : null,
        body,
        parameterCount: parameterCount(body),
      },
    ];
  });
}

export function renderTemplate(body: string, parameters: readonly string[]): string {
  return body.replace(/\{\{\s*(\d+)\s*\}\}/g, (whole, n) => parameters[Number(n) - 1] ?? whole);
}

/**
 * Sends an approved template into a WhatsApp conversation as the agent: checked against the channel's
 * template list (name, language, parameter count) before anything is stored or charged; costs one token like
 * a reply; a retry with the same clientMessageId returns the first message and costs nothing more.
 */
export async function sendTemplate(
  env: AppBindings,
  db: Db,
  actor: { organizationId: string; userId: string },
  conversationId: string,
  input: { name: string; language: string; parameters: string[]; clientMessageId?: string },
): Promise<LogMessage> {
  const conversation = await loadConversation(db, actor.organizationId, conversationId);
  const channel = await loadChannel(db, actor.organizationId, conversation.channelId);
  if (channel.type !== 'WHATSAPP') throw ValidationError.field('name', 'Templates can only be sent on WhatsApp');
  const templates = await listTemplates(env, db, actor.organizationId, channel.id);
  const template = templates.find((t) => t.name === input.name && t.language === input.language);
  if (!template) {
    throw ValidationError.field('name', `No approved template ${input.name} (${input.language}) on this channel`);
  }
  if (input.parameters.length !== template.parameterCount) {
    throw ValidationError.field(
      'parameters',
      `Template ${template.name} takes ${template.parameterCount} parameter(s), ${input.parameters.length} given`,
    );
  }
  const externalId = `${TEMPLATE_ID_PREFIX}${input.clientMessageId ?? crypto.randomUUID()}`;
  const inserted = await db
    .insert(metaTemplateSends)
    .values({
      organizationId: actor.organizationId,
      externalId,
      conversationId: conversation.id,
      name: template.name,
      language: template.language,
      parameters: input.parameters,
    })
    .onConflictDoNothing()
    .returning();
  if (!inserted.length) {
    const [stored] = await db
      .select()
      .from(metaTemplateSends)
      .where(
        and(eq(metaTemplateSends.organizationId, actor.organizationId), eq(metaTemplateSends.externalId, externalId)),
      );
    if (stored?.conversationId !== conversation.id) {
      throw ValidationError.field('clientMessageId', 'This clientMessageId was used in another conversation');
    }
  } else {
    try {
      await debitTokens(db, {
        organizationId: actor.organizationId,
        amount: 1,
        reason: 'MESSAGE_SENT',
        referenceId: conversation.id,
      });
    } catch (error) {
      // Refused (no tokens): nothing of the send stays behind.
      await db
        .delete(metaTemplateSends)
        .where(
          and(eq(metaTemplateSends.organizationId, actor.organizationId), eq(metaTemplateSends.externalId, externalId)),
        );
      throw error;
    }
  }
  return postOutbound(env, {
    organizationId: actor.organizationId,
    conversationId: conversation.id,
    senderType: 'AGENT',
    senderId: actor.userId,
    content: renderTemplate(template.body, input.parameters) || `Template ${template.name}`,
    externalId,
  });
}
