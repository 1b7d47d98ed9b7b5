// Whether a stored message is machine mail (Auto-Submitted, bounce, bulk): such mail never gets an AI or other
// automated answer, so two auto-responders can never talk to each other forever.
import type { Db } from '../../db/client';
import type { ChannelType } from '../../db/schema';

/**
 * True when the message is an inbound email that a machine sent (email_messages.auto_submitted). Only an email
 * channel's messages can be: on any other channel nothing is read.
 */
export async function isAutomatedEmail(
  db: Db,
  channelType: ChannelType,
  organizationId: string,
  messageId: string,
): Promise<boolean> {
  if (channelType !== 'EMAIL') return false;
  const row = await db.$client
    .prepare(
      `SELECT e.auto_submitted AS automated FROM messages m
         JOIN conversations c ON c.id = m.conversation_id
         JOIN email_messages e ON e.channel_id = c.channel_id AND e.rfc_message_id = m.external_id
        WHERE m.organization_id = ? AND m.id = ? AND m.direction = 'INBOUND'
        LIMIT 1`,
    )
    .bind(organizationId, messageId)
    .first<{ automated: number }>();
  return row?.automated === 1;
}
