// Per-type channel credentials: what each type must carry, which fields are safe to show, how a masked
// value sent back by the dashboard resolves to the stored secret, and the rule that a stored secret is only
// ever sent where it was configured: pointing it at a new server needs the secret typed again.
import { z } from 'zod';
import type { ChannelType } from '../db/schema';
import { type FieldErrors, ValidationError } from '../lib/errors';
import { canonicalHostName, nonPublicHostNameReason, type PrivateHostAllowance } from '../lib/public-host';
import { maskFields, maskSecret } from '../lib/secrets';

const required = (what: string, max = 4096) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`)
    .max(max, `${what} must be at most ${max} characters`);
const port = z.coerce
  .number({ error: 'Port must be a number' })
  .int('Port must be a whole number')
  .min(1, 'Port must be between 1 and 65535')
  .max(65535, 'Port must be between 1 and 65535');
const hostName = (what: string) =>
  required(what, 253).refine((value) => canonicalHostName(value) !== null, {
    error: `${what} must be a host name such as mail.example.com (no scheme, port or path)`,
  });

/** Mailbox names: long enough for nested folders, short enough for an IMAP command line. */
const MAX_MAILBOX_NAME = 200;
const MAX_FLAG_NAME = 64;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** An IMAP keyword (RFC 3501 atom, less the characters some servers refuse); never a system flag (\Seen). */
const IMAP_KEYWORD = /^\$?[A-Za-z0-9_.-]{1,63}$/;

const emailCredentials = z.object({
  host: hostName('SMTP host'),
  port,
  username: required('Username', 320),
  password: required('Password', 1000),
  from: z.email('From must be an email address').max(320, 'From must be at most 320 characters'),
  secure: z.boolean().optional(),
  /** Lets AUTH go out without TLS when the server offers no STARTTLS: only for a local relay. */
  smtpAllowPlaintext: z.boolean().default(false),
  imapHost: hostName('IMAP host').optional(),
  imapPort: port.optional(),
  imapSecure: z.boolean().optional(),
  imapAllowSelfSigned: z.boolean().optional(),
  /** Lets LOGIN go out without TLS when the server offers no STARTTLS: only for a local server. */
  imapAllowPlaintext: z.boolean().default(false),
  /** The mailbox the poll reads (a dedicated one such as "Support"); INBOX when absent. */
  imapMailbox: z
    .string()
    .trim()
    .min(1, 'Mailbox must not be empty (leave it out to read INBOX)')
    .max(MAX_MAILBOX_NAME, `Mailbox must be at most ${MAX_MAILBOX_NAME} characters`)
    .refine((value) => !CONTROL_CHARACTERS.test(value), { error: 'Mailbox must not contain control characters' })
    .optional(),
  /**
   * A keyword the poll sets on every message it has imported (UID STORE +FLAGS), and skips mail already
   * carrying (SEARCH UNKEYWORD): a mailbox shared with people or another HelpStack channel is never re-imported.
   */
  imapFlag: z
    .string()
    .trim()
    .max(MAX_FLAG_NAME, `Flag must be at most ${MAX_FLAG_NAME} characters`)
    .regex(IMAP_KEYWORD, 'Flag must be a keyword such as $HelpStack: letters, digits, $ _ . - (no \\Seen-style flags)')
    .optional(),
});

const facebookCredentials = z.object({
  pageId: required('Page id'),
  accessToken: required('Page access token'),
  appSecret: z.string().trim().min(1).max(4096).optional(),
});

const instagramCredentials = z.object({
  accountId: required('Account id'),
  accessToken: required('Access token'),
});

const whatsappCredentials = z.object({
  phoneNumberId: required('Phone number id'),
  accessToken: required('Access token'),
  businessAccountId: z.string().trim().min(1).max(4096).optional(),
  appSecret: z.string().trim().min(1).max(4096).optional(),
});

const telegramCredentials = z.object({ botToken: required('Bot token') });

// Website chat and the reserved TikTok type hold nothing secret: anything sent is a mistake worth reporting.
const noCredentials = z.strictObject({}, { error: 'This channel type takes no credentials' });

export type EmailCredentials = z.output<typeof emailCredentials>;
export type FacebookCredentials = z.output<typeof facebookCredentials>;
export type InstagramCredentials = z.output<typeof instagramCredentials>;
export type WhatsappCredentials = z.output<typeof whatsappCredentials>;
export type TelegramCredentials = z.output<typeof telegramCredentials>;
export type ChannelCredentials = Record<string, unknown>;

const schemas: Record<ChannelType, z.ZodType<ChannelCredentials>> = {
  EMAIL: emailCredentials,
  FACEBOOK: facebookCredentials,
  INSTAGRAM: instagramCredentials,
  WHATSAPP: whatsappCredentials,
  TELEGRAM: telegramCredentials,
  WEBSITE_CHAT: noCredentials,
  TIKTOK: noCredentials,
};

/** Identifiers, hosts and addresses an admin needs to recognise the connection; everything else is masked. */
const PUBLIC_FIELDS: Record<ChannelType, readonly string[]> = {
  EMAIL: [
    'host',
    'port',
    'username',
    'from',
    'secure',
    'smtpAllowPlaintext',
    'imapHost',
    'imapPort',
    'imapSecure',
    'imapAllowSelfSigned',
    'imapAllowPlaintext',
    'imapMailbox',
    'imapFlag',
  ],
  FACEBOOK: ['pageId'],
  INSTAGRAM: ['accountId'],
  WHATSAPP: ['phoneNumberId', 'businessAccountId'],
  TELEGRAM: [],
  WEBSITE_CHAT: [],
  TIKTOK: [],
};

export interface CredentialCheckOptions {
  /** Private mail hosts the installation allows (ALLOW_PRIVATE_MAIL_HOSTS); none by default. */
  privateMailHosts?: PrivateHostAllowance;
}

/**
 * Validates credentials for a channel type, including that the servers they name are public hosts; errors
 * are reported under `credentials.<field>`.
 */
export function parseCredentials(
  type: ChannelType,
  value: unknown,
  options: CredentialCheckOptions = {},
): ChannelCredentials {
  const result = schemas[type].safeParse(value);
  const fields: FieldErrors = {};
  const add = (key: string, message: string) => {
    const field = key ? `credentials.${key}` : 'credentials';
    fields[field] ??= [];
    fields[field].push(message);
  };
  if (!result.success) {
    for (const issue of result.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.join('.')];
      for (const key of keys) add(key, issue.message);
    }
  } else if (type === 'EMAIL') {
    const email = result.data as EmailCredentials;
    for (const [field, label] of [
      ['host', 'SMTP host'],
      ['imapHost', 'IMAP host'],
    ] as const) {
      const host = email[field];
      const reason = host ? nonPublicHostNameReason(host, options.privateMailHosts) : null;
      if (reason) add(field, `${label} must be a public mail server: ${reason}`);
    }
  }
  if (Object.keys(fields).length) throw new ValidationError('Invalid channel credentials', fields);
  return (result as { data: ChannelCredentials }).data;
}

export function maskCredentials(type: ChannelType, credentials: ChannelCredentials): ChannelCredentials {
  return maskFields(credentials, PUBLIC_FIELDS[type]);
}

/**
 * Where a type's stored secret goes: the servers (and how it travels) that the admin who typed it in chose.
 * A change to any of these needs the secret typed again in the same request, so an admin who can only see
 * the mask cannot send the secret to a server of their own and read it there.
 */
interface SecretDestination {
  secret: string;
  message: string;
  /** True when `next` sends the secret somewhere `stored` did not, or less protected. */
  moved(stored: ChannelCredentials, next: ChannelCredentials): boolean;
}

const hostKey = (value: unknown) => (typeof value === 'string' ? (canonicalHostName(value) ?? value) : '');
const smtpServer = (c: ChannelCredentials) => `${hostKey(c.host)}:${Number(c.port)}`;
const imapServer = (c: ChannelCredentials) => {
  if (!c.imapHost) return null;
  const imapPort = c.imapPort ?? (c.imapSecure === false ? 143 : 993);
  return `${hostKey(c.imapHost)}:${Number(imapPort)}`;
};
const turnedOn = (stored: ChannelCredentials, next: ChannelCredentials, flag: string) =>
  next[flag] === true && stored[flag] !== true;

const SECRET_DESTINATIONS: Partial<Record<ChannelType, SecretDestination[]>> = {
  EMAIL: [
    {
      secret: 'password',
      message: 'Enter the password again to use it with a new server',
      moved: (stored, next) =>
        smtpServer(next) !== smtpServer(stored) ||
        (imapServer(next) !== null && imapServer(next) !== imapServer(stored)) ||
        turnedOn(stored, next, 'smtpAllowPlaintext') ||
        turnedOn(stored, next, 'imapAllowPlaintext'),
    },
  ],
};

/**
 * Credentials for a saved channel from what a request sent. `replace` (a PATCH): the request carries the
 * whole set. `override` (a connection test): given fields replace the stored ones, an empty value keeps the
 * stored one and null removes an optional field. In both, a secret still equal to the mask of the stored one
 * keeps the stored secret; such a kept secret may not go to a new destination (400 on the secret's field).
 */
export function resolveCredentials(
  type: ChannelType,
  changes: Record<string, unknown>,
  stored: ChannelCredentials,
  mode: 'replace' | 'override',
  options: CredentialCheckOptions = {},
): ChannelCredentials {
  const given =
    mode === 'override' ? Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== '')) : changes;
  const merged: Record<string, unknown> = mode === 'override' ? { ...stored, ...given } : { ...given };
  const kept = new Set<string>();
  for (const [field, previous] of Object.entries(stored)) {
    if (PUBLIC_FIELDS[type].includes(field) || typeof previous !== 'string') continue;
    const value = given[field];
    if (value === maskSecret(previous) || (mode === 'override' && value === undefined)) {
      merged[field] = previous;
      kept.add(field);
    }
  }
  if (mode === 'override') for (const [field, value] of Object.entries(given)) if (value === null) delete merged[field];
  const next = parseCredentials(type, merged, options);
  const fields: FieldErrors = {};
  for (const destination of SECRET_DESTINATIONS[type] ?? []) {
    if (kept.has(destination.secret) && destination.moved(stored, next)) {
      fields[`credentials.${destination.secret}`] = [destination.message];
    }
  }
  if (Object.keys(fields).length) throw new ValidationError(Object.values(fields)[0]![0]!, fields);
  return next;
}

/** The credentials schema of a channel type (each channel adapter declares its own from here). */
export function credentialSchema(type: ChannelType): z.ZodType<ChannelCredentials> {
  return schemas[type];
}
