// Outbound system mail (invitations, notifications). Every message is recorded in outbound_emails — the
// dev mailbox locally; in production it is also handed to Cloudflare through the send_email binding.
import type { Db } from '../db/client';
import { outboundEmails } from '../db/schema';
import type { AppBindings } from '../env';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  organizationId?: string;
}

export async function sendMail(env: AppBindings, db: Db, mail: Mail): Promise<void> {
  const from = env.MAIL_FROM ?? 'HelpStack <no-reply@helpstack.local>';
  const viaCloudflare = env.ENVIRONMENT === 'production';
  if (viaCloudflare) {
    await env.EMAIL.send({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
  }
  await db.insert(outboundEmails).values({
    organizationId: mail.organizationId,
    to: mail.to,
    from,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    transport: viaCloudflare ? 'send_email' : 'dev-mailbox',
  });
}
