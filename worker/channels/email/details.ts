// What the dashboard shows of a conversation's mail: Subject, From, To and Cc of each message and the quoted
// history collapsed below it; and, for an email channel, how its IMAP poll stands.
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { loadConversation } from '../../conversations/refs';
import type { Db } from '../../db/client';
import { emailMessages } from '../../db/schema';
import { ValidationError } from '../../lib/errors';
import { loadChannel } from '../channels';
import { pollStatus } from './poll';

export interface MessageEmail {
  messageId: string;
  direction: 'INBOUND' | 'OUTBOUND';
  subject: string | null;
  from: { address: string | null; name: string | null };
  to: string[];
  cc: string[];
  /** The history the mail quoted below its reply, as text (shown on demand, never as HTML). */
  quoted: string | null;
  autoSubmitted: boolean;
}

/** The email details of every message of a conversation that came or went by mail (404 for another org's). */
export async function conversationEmails(
  db: Db,
  organizationId: string,
  conversationId: string,
): Promise<MessageEmail[]> {
  await loadConversation(db, organizationId, conversationId);
  const rows = await db
    .select()
    .from(emailMessages)
    .where(
      and(
        eq(emailMessages.organizationId, organizationId),
        eq(emailMessages.conversationId, conversationId),
        isNotNull(emailMessages.messageId),
      ),
    )
    .orderBy(asc(emailMessages.createdAt))
    .limit(1000);
  return rows.map((row) => ({
    messageId: row.messageId!,
    direction: row.direction,
    subject: row.subject,
    from: { address: row.fromAddress, name: row.fromName },
    to: row.toAddresses,
    cc: row.ccAddresses,
    quoted: row.quoted,
    autoSubmitted: row.autoSubmitted,
  }));
}

/** The IMAP poll status of an email channel of the organisation. */
export async function emailChannelStatus(db: Db, organizationId: string, channelId: string) {
  const channel = await loadChannel(db, organizationId, channelId);
  if (channel.type !== 'EMAIL') throw ValidationError.field('channelId', 'Only email channels have a mail poll');
  return pollStatus(db, organizationId, channelId);
}
