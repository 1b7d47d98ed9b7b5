// Per-type channel credentials: what each type must carry, which fields are safe to show, and how a
// masked value sent back by the dashboard resolves to the stored secret.
import { z } from 'zod';
import type { ChannelType } from '../db/schema';
import { type FieldErrors, ValidationError } from '../lib/errors';
import { maskFields, maskSecret } from '../lib/secrets';

const required = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`);
const port = z.coerce
  .number({ error: 'Port must be a number' })
  .int('Port must be a whole number')
  .min(1, 'Port must be between 1 and 65535')
  .max(65535, 'Port must be between 1 and 65535');

const emailCredentials = z.object({
  host: required('SMTP host'),
  port,
  username: required('Username'),
  password: required('Password'),
  from: z.email('From must be an email address'),
  secure: z.boolean().optional(),
  imapHost: z.string().trim().min(1).optional(),
  imapPort: port.optional(),
  imapSecure: z.boolean().optional(),
  imapAllowSelfSigned: z.boolean().optional(),
});

const facebookCredentials = z.object({
  pageId: required('Page id'),
  accessToken: required('Page access token'),
  appSecret: z.string().trim().min(1).optional(),
});

const instagramCredentials = z.object({
  accountId: required('Account id'),
  accessToken: required('Access token'),
});

const whatsappCredentials = z.object({
  phoneNumberId: required('Phone number id'),
  accessToken: required('Access token'),
  businessAccountId: z.string().trim().min(1).optional(),
  appSecret: z.string().trim().min(1).optional(),
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
  EMAIL: ['host', 'port', 'username', 'from', 'secure', 'imapHost', 'imapPort', 'imapSecure', 'imapAllowSelfSigned'],
  FACEBOOK: ['pageId'],
  INSTAGRAM: ['accountId'],
  WHATSAPP: ['phoneNumberId', 'businessAccountId'],
  TELEGRAM: [],
  WEBSITE_CHAT: [],
  TIKTOK: [],
};

/** Validates credentials for a channel type; errors are reported under `credentials.<field>`. */
export function parseCredentials(type: ChannelType, value: unknown): ChannelCredentials {
  const result = schemas[type].safeParse(value);
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.join('.')];
    for (const key of keys) {
      const field = key ? `credentials.${key}` : 'credentials';
      fields[field] ??= [];
      fields[field].push(issue.message);
    }
  }
  throw new ValidationError('Invalid channel credentials', fields);
}

export function maskCredentials(type: ChannelType, credentials: ChannelCredentials): ChannelCredentials {
  return maskFields(credentials, PUBLIC_FIELDS[type]);
}

/**
 * The dashboard shows masked secrets and sends the form back whole: a secret field whose value is still
 * exactly the mask of the stored secret means "unchanged", so the stored value is kept.
 */
export function unmaskCredentials(
  type: ChannelType,
  incoming: Record<string, unknown>,
  stored: ChannelCredentials,
): Record<string, unknown> {
  const resolved: Record<string, unknown> = { ...incoming };
  for (const [field, value] of Object.entries(incoming)) {
    const previous = stored[field];
    if (PUBLIC_FIELDS[type].includes(field) || typeof previous !== 'string') continue;
    if (value === maskSecret(previous)) resolved[field] = previous;
  }
  return resolved;
}
