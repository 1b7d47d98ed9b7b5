// Worker-side view of the fake mail servers the globalSetup started: their ports and the mail received.
import { inject } from 'vitest';
import { MAIL_ACCOUNT, type ReceivedMail } from './smtp-account';

export const MAIL_HOST = '127.0.0.1';

export const mailPorts = () => ({
  smtp: inject('smtpPort'),
  imap: inject('imapPort'),
  closed: inject('closedPort'),
  dropping: inject('droppingPort'),
  recordingSmtp: inject('recordingSmtpPort'),
  recordingImap: inject('recordingImapPort'),
});

/** Every command line the recording SMTP and IMAP servers have received so far (from all test files). */
export async function recordedCommands(): Promise<{ smtp: string[]; imap: string[] }> {
  const res = await fetch(inject('mailboxUrl').replace(/\/messages$/, '/commands'));
  return res.json();
}

/** The mail the fake SMTP server accepted for one address (tests use unique addresses: the server is shared). */
export async function mailTo(address: string): Promise<ReceivedMail[]> {
  const res = await fetch(inject('mailboxUrl'));
  const received: ReceivedMail[] = await res.json();
  return received.filter((mail) => mail.to.includes(address));
}

/**
 * Credentials for the fake servers' one account; `changes` make them wrong in a chosen way. The fakes speak
 * plain text (no certificates in tests), so the account explicitly allows it.
 */
export function fakeAccount(changes: Record<string, unknown> = {}) {
  return {
    host: MAIL_HOST,
    port: mailPorts().smtp,
    username: MAIL_ACCOUNT.username,
    password: MAIL_ACCOUNT.password,
    from: MAIL_ACCOUNT.username,
    imapHost: MAIL_HOST,
    imapPort: mailPorts().imap,
    imapSecure: false,
    smtpAllowPlaintext: true,
    imapAllowPlaintext: true,
    ...changes,
  };
}
