// The one mailbox account the fake SMTP and IMAP servers accept (see smtp-server.ts), shared by both sides.

// A quote and a backslash in the password prove the IMAP client escapes its quoted strings.
export const MAIL_ACCOUNT = { username: 'support@shop.test', password: 'right "pass\\word" 1234' } as const;

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** The account the fake PREAUTH IMAP server has logged every connection in as (no LOGIN is ever sent to it). */
export const PREAUTH_IMAP_USER = 'imap-preauth@shop.test';
