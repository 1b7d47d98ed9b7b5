// Meta's messaging windows. Messenger and Instagram: free replies for 24 hours after the customer's last
// message; after that a human agent may still answer for 7 days with the HUMAN_AGENT tag, and automated (AI,
// system) replies are refused. WhatsApp: free text for 24 hours after the customer's last message (our own
// sends do not reopen it); after that only an approved template. The clock is the customer's last INBOUND
// message to this channel, across all of the contact's conversations.

import type { Db } from '../../db/client';
import type { ChannelType } from '../../db/schema';

const HOUR = 3_600_000;
export const FREE_WINDOW_MS = 24 * HOUR;
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * HOUR;

export type MetaChannelType = Extract<ChannelType, 'FACEBOOK' | 'INSTAGRAM' | 'WHATSAPP'>;

const NAMES: Record<MetaChannelType, string> = {
  FACEBOOK: 'Messenger',
  INSTAGRAM: 'Instagram',
  WHATSAPP: 'WhatsApp',
};

export type WindowDecision = { allowed: true; tag?: 'HUMAN_AGENT' } | { allowed: false; reason: string };

function ago(ms: number): string {
  const hours = Math.floor(ms / HOUR);
  return hours >= 48 ? `${Math.floor(hours / 24)} days` : `${hours} h`;
}

/** Whether a message may go out now, and with which tag. Pure: the caller supplies the clock. */
export function windowDecision(
  type: MetaChannelType,
  lastInboundAt: number | null,
  now: number,
  message: { senderType: 'AGENT' | 'AI' | 'SYSTEM' | 'CONTACT' | undefined; template?: boolean },
): WindowDecision {
  const name = NAMES[type];
  if (type === 'WHATSAPP' && message.template) return { allowed: true };
  if (lastInboundAt === null) {
    return {
      allowed: false,
      reason:
        type === 'WHATSAPP'
          ? 'Not sent: this customer has not written on WhatsApp yet; only an approved template can start the conversation'
          : `Not sent: ${name} only allows replies after the customer has written`,
    };
  }
  const elapsed = now - lastInboundAt;
  if (elapsed <= FREE_WINDOW_MS) return { allowed: true };
  if (type === 'WHATSAPP') {
    return {
      allowed: false,
      reason: `Not sent: WhatsApp's 24-hour window closed (the customer last wrote ${ago(elapsed)} ago); only an approved template can be sent`,
    };
  }
  if (message.senderType !== 'AGENT') {
    return {
      allowed: false,
      reason: `Not sent: ${name} only allows automated replies within 24 hours of the customer's last message (it was ${ago(elapsed)} ago); a human agent can still answer within 7 days`,
    };
  }
  if (elapsed <= HUMAN_AGENT_WINDOW_MS) return { allowed: true, tag: 'HUMAN_AGENT' };
  return {
    allowed: false,
    reason: `Not sent: ${name} allows human agent replies only within 7 days of the customer's last message (it was ${ago(elapsed)} ago)`,
  };
}

/** When the contact of this conversation last wrote to its channel (ms), or null if never. */
export async function lastInboundAt(db: Db, organizationId: string, conversationId: string): Promise<number | null> {
  const row = await db.$client
    .prepare(
      `SELECT max(m.created_at) AS at FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE c.organization_id = ?1 AND m.direction = 'INBOUND'
         AND c.contact_id = (SELECT contact_id FROM conversations WHERE organization_id = ?1 AND id = ?2)`,
    )
    .bind(organizationId, conversationId)
    .first<{ at: number | null }>();
  return row?.at ?? null;
}

export interface WindowState {
  channelType: MetaChannelType;
  lastInboundAt: number | null;
  /** When free replies stop (null if the customer never wrote). */
  freeUntil: number | null;
  /** Messenger/Instagram: when a human agent's tagged reply stops being allowed. */
  humanAgentUntil: number | null;
  state: 'open' | 'human-agent-only' | 'template-required' | 'closed';
  /** What the dashboard says: "24 h window closes in 3 h", "Template required", … */
  label: string;
}

function inHours(ms: number): string {
  const hours = Math.ceil(ms / HOUR);
  return hours >= 48 ? `${Math.ceil(hours / 24)} days` : `${Math.max(1, hours)} h`;
}

export function windowState(type: MetaChannelType, last: number | null, now: number): WindowState {
  const base = { channelType: type, lastInboundAt: last };
  if (last === null) {
    return type === 'WHATSAPP'
      ? { ...base, freeUntil: null, humanAgentUntil: null, state: 'template-required', label: 'Template required' }
      : { ...base, freeUntil: null, humanAgentUntil: null, state: 'closed', label: 'The customer has not written yet' };
  }
  const freeUntil = last + FREE_WINDOW_MS;
  const humanAgentUntil = type === 'WHATSAPP' ? null : last + HUMAN_AGENT_WINDOW_MS;
  if (now <= freeUntil) {
    return {
      ...base,
      freeUntil,
      humanAgentUntil,
      state: 'open',
      label: `24 h window closes in ${inHours(freeUntil - now)}`,
    };
  }
  if (type === 'WHATSAPP') {
    return { ...base, freeUntil, humanAgentUntil, state: 'template-required', label: 'Template required' };
  }
  if (humanAgentUntil !== null && now <= humanAgentUntil) {
    return {
      ...base,
      freeUntil,
      humanAgentUntil,
      state: 'human-agent-only',
      label: `Human agent replies only (HUMAN_AGENT tag), for ${inHours(humanAgentUntil - now)}`,
    };
  }
  return { ...base, freeUntil, humanAgentUntil, state: 'closed', label: 'Messaging window closed' };
}
