// What a parsed mail (postal-mime's Email) says, read the way a support inbox needs it: the reply text apart
// from the quoted history below it, the ids it threads by, the people on it, and whether a machine sent it.
// Pure: no I/O, so the adapter's parse stays deterministic.
import { htmlToText } from 'html-to-text';
import type { Address, Email } from 'postal-mime';

/** Longest message text kept; the rest of a huge mail is cut with a marker. */
export const MAX_CONTENT_CHARS = 50_000;
/** Longest quoted history kept. */
const MAX_QUOTED_CHARS = 100_000;
/** Message-IDs longer than the RFC 5322 line limit are not ids. */
const MAX_ID_CHARS = 998;
/** References chains are kept to their newest ids. */
const MAX_REFERENCES = 50;
/** Addresses kept per To or Cc. */
const MAX_ADDRESSES = 50;

/** A Message-ID without its angle brackets and surrounding space; null when it is not one. */
export function normalizeMessageId(value: string | null | undefined): string | null {
  const id = value?.trim().replace(/^<|>$/g, '').trim();
  if (!id || id.length > MAX_ID_CHARS || /[\s<>]/.test(id)) return null;
  return id;
}

/** Every <id> in a References or In-Reply-To header, in order. */
export function messageIdsIn(value: string | null | undefined): string[] {
  if (!value) return [];
  const found = [...value.matchAll(/<([^<>\s]+)>/g)].map((match) => match[1]!);
  // A bare id without brackets (some clients send In-Reply-To that way).
  if (!found.length) {
    const bare = normalizeMessageId(value);
    return bare ? [bare] : [];
  }
  return found.filter((id) => id.length <= MAX_ID_CHARS);
}

function header(mail: Pick<Email, 'headers'>, key: string): string | null {
  return mail.headers?.find((h) => h.key === key)?.value ?? null;
}

/** Auto-replies, bounces, mailing lists and other machine mail (RFC 3834 and the common conventions). */
export function isAutomated(mail: Pick<Email, 'headers' | 'from'>): boolean {
  const autoSubmitted = header(mail, 'auto-submitted')?.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  const precedence = header(mail, 'precedence')?.trim().toLowerCase();
  if (precedence && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return true;
  if (header(mail, 'x-autoreply') || header(mail, 'x-autorespond')) return true;
  if (/multipart\/report/i.test(header(mail, 'content-type') ?? '')) return true;
  const from = mailboxOf(mail.from)?.address.toLowerCase() ?? '';
  return /^(mailer-daemon|postmaster)@/.test(from);
}

function mailboxOf(address: Address | undefined): { address: string; name: string } | null {
  if (!address) return null;
  if (address.address) return { address: address.address, name: address.name };
  const first = address.group?.[0];
  return first ? { address: first.address, name: first.name } : null;
}

/** The addresses of a To or Cc list, lower case, groups flattened. */
export function addressList(list: Address[] | undefined): string[] {
  const out: string[] = [];
  for (const entry of list ?? []) {
    const boxes = entry.group ?? [entry];
    for (const box of boxes) {
      const address = box.address?.trim().toLowerCase();
      if (address && address.length <= 320 && !out.includes(address)) out.push(address);
    }
  }
  return out.slice(0, MAX_ADDRESSES);
}

/** HTML-only mail as plain text: links keep their text, images and styles go. */
export function htmlAsText(html: string): string {
  return htmlToText(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'script', format: 'skip' },
      // Quoted mail stays quoted, so it can be told apart from the reply.
      { selector: 'blockquote', options: { trimEmptyLines: true } },
    ],
  });
}

// Lines that introduce the quoted original in the common mail clients.
const ATTRIBUTION = [
  /^On .+wrote:\s*$/i, // Gmail, Apple Mail, Thunderbird
  /^Am .+schrieb .+:\s*$/i, // German clients
  /^Le .+a écrit\s*:\s*$/i, // French clients
  /^El .+escribió:\s*$/i, // Spanish clients
  /^-{2,}\s*Original Message\s*-{2,}\s*$/i, // Outlook (older)
  /^-{2,}\s*Forwarded message\s*-{2,}\s*$/i,
];

function startsOutlookHeaderBlock(lines: string[], index: number): boolean {
  // Outlook: a "From: …" line followed within a few lines by "Sent:"/"Date:" and "Subject:".
  if (!/^\*?From:\*?\s/i.test(lines[index]!)) return false;
  const next = lines.slice(index + 1, index + 5).join('\n');
  return /^\*?(Sent|Date):/im.test(next) && /^\*?(Subject|To):/im.test(next);
}

/** Splits a reply from the history it quotes; `quoted` is null when there is none to collapse. */
export function splitQuoted(text: string): { reply: string; quoted: string | null } {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let cut = -1;
  for (let i = 0; i < lines.length && cut < 0; i++) {
    const line = lines[i]!.trim();
    // An attribution line may be wrapped: "On Mon, … Jane <jane@example.com>" / "wrote:".
    const joined = `${line} ${lines[i + 1]?.trim() ?? ''}`.trim();
    if (ATTRIBUTION.some((pattern) => pattern.test(line))) cut = i;
    else if (/^On .+/.test(line) && ATTRIBUTION[0]!.test(joined) && !/wrote:/i.test(line)) cut = i;
    else if (/^_{10,}$/.test(line) && startsOutlookHeaderBlock(lines, i + 1)) cut = i;
    else if (startsOutlookHeaderBlock(lines, i)) cut = i;
  }
  if (cut < 0) {
    // A trailing block of "> " lines (blank lines inside it allowed), with nothing but blank lines after it.
    let i = lines.length - 1;
    while (i >= 0 && !lines[i]!.trim()) i--;
    let start = -1;
    while (i >= 0 && (lines[i]!.startsWith('>') || !lines[i]!.trim())) {
      if (lines[i]!.startsWith('>')) start = i;
      i--;
    }
    cut = start;
  }
  if (cut <= 0) return { reply: text.trim(), quoted: null };
  const reply = lines.slice(0, cut).join('\n').trim();
  const quoted = lines.slice(cut).join('\n').trim();
  if (!reply) return { reply: text.trim(), quoted: null };
  return { reply, quoted: quoted ? cap(quoted, MAX_QUOTED_CHARS) : null };
}

function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The mail's own text: the text part, or the HTML part as text when there is no text part. */
export function bodyText(mail: Pick<Email, 'text' | 'html'>): string {
  const text = mail.text?.trim();
  if (text) return text;
  return mail.html ? htmlAsText(mail.html).trim() : '';
}

export interface MailSummary {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  from: { address: string; name: string | null } | null;
  to: string[];
  cc: string[];
  subject: string | null;
  content: string;
  quoted: string | null;
  automated: boolean;
  date: Date | null;
}

/** Everything the inbox keeps of a parsed mail (attachments are stored separately). */
export function summarize(mail: Email): MailSummary {
  const box = mailboxOf(mail.from);
  const address = box?.address.trim().toLowerCase();
  const { reply, quoted } = splitQuoted(bodyText(mail));
  const date = mail.date ? new Date(mail.date) : null;
  const references = messageIdsIn(mail.references);
  const inReplyTo = messageIdsIn(mail.inReplyTo)[0] ?? null;
  return {
    messageId: normalizeMessageId(mail.messageId),
    inReplyTo,
    references: references.slice(-MAX_REFERENCES),
    from: address && address.length <= 320 ? { address, name: box?.name.trim().slice(0, 200) || null } : null,
    to: addressList(mail.to),
    cc: addressList(mail.cc),
    subject: mail.subject?.replace(/\s+/g, ' ').trim().slice(0, 998) || null,
    content: cap(reply, MAX_CONTENT_CHARS),
    quoted,
    automated: isAutomated(mail),
    date: date && !Number.isNaN(date.getTime()) ? date : null,
  };
}
