// Worker-side view of the fake mail servers the globalSetup started: their ports and the mail received, and
// email channels that poll the fake IMAP server.
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { inject } from 'vitest';
import type { EmailCredentials } from '../worker/channels/credentials';
import { createDb } from '../worker/db/client';
import { channels, conversations, messages } from '../worker/db/schema';
import { encryptJson } from '../worker/lib/secrets';
import { signUpOwner } from './client';
import { MAIL_ACCOUNT, type ReceivedMail } from './smtp-account';

export const MAIL_HOST = '127.0.0.1';

export const mailPorts = () => ({
  smtp: inject('smtpPort'),
  imap: inject('imapPort'),
  closed: inject('closedPort'),
  dropping: inject('droppingPort'),
  recordingSmtp: inject('recordingSmtpPort'),
  recordingImap: inject('recordingImapPort'),
  preauthImap: inject('preauthImapPort'),
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

/** An .eml fixture (test/fixtures/email) as its exact bytes; `replace` fills placeholders such as {{IN_REPLY_TO}}. */
export function emailFixture(name: string, replace: Record<string, string> = {}): Uint8Array {
  const base64 = inject('emailFixtures')[name];
  if (!base64) throw new Error(`No email fixture ${name}`);
  const binary = atob(base64);
  let bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  if (Object.keys(replace).length) {
    // Placeholders are ASCII; the rest of the bytes stay as they are (latin1 round-trips every byte).
    let text = binary;
    for (const [key, value] of Object.entries(replace)) text = text.split(`{{${key}}}`).join(value);
    bytes = Uint8Array.from(text, (char) => char.charCodeAt(0));
  }
  return bytes;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export interface FakeImapMessage {
  uid: number;
  raw: Uint8Array;
  internalDate: Date;
  /** Keywords already on the message. */
  flags?: string[];
}

interface FakeImapFolder {
  uidValidity: number;
  messages: FakeImapMessage[];
}

/**
 * Replaces the INBOX of a fake IMAP account (`imap-<name>@shop.test`, created on first use), and its other
 * mailboxes (by their name on the wire, modified UTF-7); `keepsKeywords: false` makes it refuse custom flags.
 */
export async function setImapMailbox(
  user: string,
  mailbox: FakeImapFolder & { mailboxes?: Record<string, FakeImapFolder>; keepsKeywords?: boolean },
) {
  const folder = (f: FakeImapFolder) => ({
    uidValidity: f.uidValidity,
    messages: f.messages.map((m) => ({
      uid: m.uid,
      raw: toBase64(m.raw),
      internalDate: m.internalDate.toISOString(),
      flags: m.flags ?? [],
    })),
  });
  const res = await fetch(inject('mailboxUrl').replace(/\/messages$/, `/imap/${encodeURIComponent(user)}`), {
    method: 'PUT',
    body: JSON.stringify({
      ...folder(mailbox),
      mailboxes: Object.fromEntries(Object.entries(mailbox.mailboxes ?? {}).map(([name, f]) => [name, folder(f)])),
      keepsKeywords: mailbox.keepsKeywords ?? true,
    }),
  });
  if (res.status !== 204) throw new Error(`The fake IMAP server refused the mailbox (${res.status})`);
}

/** Every command line the fake IMAP account received so far. */
export async function imapLog(user: string): Promise<string[]> {
  const res = await fetch(inject('mailboxUrl').replace(/\/messages$/, `/imap/${encodeURIComponent(user)}/log`));
  return res.json();
}

/** A fresh fake IMAP account of its own for one test, and channel credentials that poll it. */
export function imapAccount(changes: Record<string, unknown> = {}) {
  const user = `imap-${crypto.randomUUID()}@shop.test`;
  return { user, credentials: fakeAccount({ username: user, ...changes }) };
}

/** A new owner's email channel polling a fresh fake IMAP account of its own. */
export async function polledChannel(changes: Record<string, unknown> = {}) {
  const { user, credentials } = imapAccount(changes);
  const { organization, client } = await signUpOwner();
  const [channel] = await createDb(env.DB)
    .insert(channels)
    .values({
      organizationId: organization.id,
      type: 'EMAIL',
      name: 'Support mail',
      credentialsEncrypted: await encryptJson(env.ENCRYPTION_KEY, credentials),
    })
    .returning();
  return { channel: channel!, user, client, credentials: credentials as unknown as EmailCredentials };
}

/** The Message-IDs of every mail stored on a channel, sorted. */
export async function storedExternalIds(channelId: string): Promise<string[]> {
  const rows = await createDb(env.DB)
    .select({ externalId: messages.externalId })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(eq(conversations.channelId, channelId));
  return rows.map((row) => row.externalId!).sort();
}

/** plain.eml with a Message-ID of its own, so several copies of it are different mails. */
export function plainMail(messageId: string): Uint8Array {
  let text = new TextDecoder('latin1').decode(emailFixture('plain.eml'));
  text = text.replace(/^Message-ID: <[^>]+>/im, `Message-ID: <${messageId}>`);
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}
