// The "Test connection" of an email channel: on credentials typed into the add-channel form, or on a saved
// channel with some fields changed but not yet saved. A refused login is a result, not an error.
import type { Db } from '../../db/client';
import type { AppBindings } from '../../env';
import { ValidationError } from '../../lib/errors';
import { credentialCheckOptions, decryptCredentials, loadChannel } from '../channels';
import { type EmailCredentials, parseCredentials, resolveCredentials } from '../credentials';
import { type EmailConnectionReport, testEmailConnection } from './smtp';

export interface ConnectionTestResult extends EmailConnectionReport {
  ok: boolean;
}

async function runTest(credentials: EmailCredentials): Promise<ConnectionTestResult> {
  const report = await testEmailConnection(credentials);
  return { ok: report.smtp.ok && (report.imap?.ok ?? true), ...report };
}

/** Tests credentials that are not saved yet; invalid ones are a 400 under `credentials.<field>`. */
export function testNewEmailCredentials(env: AppBindings, credentials: unknown): Promise<ConnectionTestResult> {
  return runTest(parseCredentials('EMAIL', credentials, credentialCheckOptions(env)) as EmailCredentials);
}

/**
 * Tests a saved email channel. Given fields replace the stored ones; an empty or still-masked password keeps
 * the stored one, and null removes an optional field (an admin who cleared the IMAP host). A kept password is
 * only tried on the stored servers: a test against a new server needs the password typed again.
 */
export async function testSavedEmailChannel(
  env: AppBindings,
  db: Db,
  organizationId: string,
  channelId: string,
  overrides: Record<string, unknown> = {},
): Promise<ConnectionTestResult> {
  const channel = await loadChannel(db, organizationId, channelId);
  if (channel.type !== 'EMAIL') {
    throw new ValidationError('Only email channels have a connection test; this channel needs none');
  }
  const stored = await decryptCredentials(env, channel);
  const credentials = resolveCredentials('EMAIL', overrides, stored, 'override', credentialCheckOptions(env));
  return runTest(credentials as EmailCredentials);
}
