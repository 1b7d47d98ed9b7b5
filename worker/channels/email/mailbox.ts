// Which mailbox of an IMAP account the poll reads, and how it is named on the wire. Mailbox names travel in
// IMAP's modified UTF-7 (RFC 3501 §5.1.3): printable ASCII stands for itself ("&" as "&-"), any other run of
// characters is its UTF-16 in base64 (with "," for "/", no padding) between "&" and "-". Only encoding is
// needed (names are configured, never listed), which is this small function with its own tests rather than a
// dependency (the npm `utf7` package relies on Node's Buffer).
// (No imports from smtp.ts: its connection test uses these too.)
import type { EmailCredentials } from '../credentials';

export const DEFAULT_MAILBOX = 'INBOX';

/** The mailbox the channel polls: its configured one, or INBOX. */
export function mailboxOf(credentials: Pick<EmailCredentials, 'imapMailbox'>): string {
  return credentials.imapMailbox ?? DEFAULT_MAILBOX;
}

function base64Modified(units: number[]): string {
  let binary = '';
  for (const unit of units) binary += String.fromCharCode(unit >> 8, unit & 0xff);
  return btoa(binary).replace(/=+$/, '').replace(/\//g, ',');
}

/** A mailbox name in modified UTF-7, as IMAP commands carry it ("Équipe" → "&AMk-quipe"). */
export function encodeMailboxName(name: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = () => {
    if (pending.length) out += `&${base64Modified(pending)}-`;
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit >= 0x20 && unit <= 0x7e) {
      flush();
      out += unit === 0x26 ? '&-' : name[i];
    } else {
      pending.push(unit);
    }
  }
  flush();
  return out;
}

/** The SELECT command for the channel's mailbox ("INBOX" stays an atom, as every server knows it). */
export function selectCommand(credentials: Pick<EmailCredentials, 'imapMailbox'>): string {
  const mailbox = mailboxOf(credentials);
  if (mailbox.toUpperCase() === DEFAULT_MAILBOX) return 'SELECT INBOX';
  // Modified UTF-7 is printable ASCII; a quoted string escapes only backslash and double quote.
  return `SELECT "${encodeMailboxName(mailbox).replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** What a refused SELECT means for an admin. */
export function selectFailure(mailbox: string, answer: string): string {
  return /^NO\b/i.test(answer)
    ? `Mailbox "${mailbox}" does not exist or cannot be opened (the server said: ${answer})`
    : `The server refused to open mailbox "${mailbox}": ${answer}`;
}

/**
 * Checks a SELECT's untagged answers: the mailbox must say its UIDVALIDITY, and when the channel marks
 * imported mail with a flag, the mailbox must keep that keyword (PERMANENTFLAGS lists it or `\*`).
 * Gives the UIDVALIDITY, or what is wrong in words fit to show an admin.
 */
export function checkSelected(
  credentials: Pick<EmailCredentials, 'imapMailbox' | 'imapFlag'>,
  lines: string[],
): { uidValidity: number } | { error: string } {
  const mailbox = mailboxOf(credentials);
  const validity = lines.map((text) => /\[UIDVALIDITY (\d+)\]/i.exec(text)?.[1]).find((value) => value !== undefined);
  if (!validity) return { error: `Mailbox "${mailbox}" did not say its UIDVALIDITY` };
  const flag = credentials.imapFlag;
  if (flag) {
    const permanent = lines
      .map((text) => /\[PERMANENTFLAGS \(([^)]*)\)\]/i.exec(text)?.[1])
      .find((v) => v !== undefined);
    // No PERMANENTFLAGS at all means every flag is kept (RFC 3501 §7.1).
    const kept = permanent?.split(/\s+/).map((item) => item.toLowerCase());
    if (kept && !kept.includes('\\*') && !kept.includes(flag.toLowerCase())) {
      return {
        error: `Mailbox "${mailbox}" does not keep custom flags, so imported mail cannot be marked with "${flag}": leave the flag empty and use a dedicated mailbox`,
      };
    }
  }
  return { uidValidity: Number(validity) };
}

/**
 * A server that greets with PREAUTH has logged the connection in already, so no password is sent; on a connection
 * without TLS the mail would still be read unencrypted, which the channel must allow in so many words.
 */
export function preauthInPlainText(where: string): string {
  return `${where} logged in without TLS, so mail would be read unencrypted: use the server's TLS port (usually 993, with "IMAP uses TLS")`;
}
